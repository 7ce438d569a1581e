//! The oracle part of a scenario: sources, latency, aggregation, smoothing, publication,
//! faults and breakers, as users write them, their range checks, and their conversion to the
//! engine's [`OracleConfig`].

use crate::schema::{Check, MarketUnits, fail, non_negative, positive, within};
use cascade_engine::{
    FallbackConfig, OracleConfig, OracleSource, Publication, Smoothing, SourceKind,
};
use cascade_oracle::{
    Aggregation, AnswerBounds, EmaRule, FallbackRule, Fault, FaultKind, LatencyModel, MedianRule,
    PullConsumer, PushRule, StalenessRule, Window,
};
use cascade_types::{Bps, SimDuration, SimTime, Ticks};
use serde::{Deserialize, Serialize};

/// An oracle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OracleSpec {
    /// Name, as traces, figures and fallbacks refer to it (`oracle` if absent).
    #[serde(default = "default_name")]
    pub name: String,
    /// Sources (the first venue's mid if absent).
    #[serde(default)]
    pub sources: Vec<SourceSpec>,
    /// Interval between readings of the sources, milliseconds.
    pub observe_every_ms: f64,
    /// Latency of a source that does not set its own, milliseconds.
    pub latency_ms: LatencyModel,
    /// How the sources' latest readings are combined (a pull oracle always uses Pyth's
    /// confidence aggregate).
    #[serde(default)]
    pub aggregation: AggregationSpec,
    /// The fewest sources with a reading that make an aggregate.
    #[serde(default = "one")]
    pub quorum: usize,
    /// Readings older than this are left out of the aggregate, seconds.
    #[serde(default)]
    pub max_reading_age_s: Option<f64>,
    /// Smoothing of the aggregate.
    #[serde(default)]
    pub smoothing: SmoothingSpec,
    /// The publication rule.
    pub publication: PublicationSpec,
    /// Pause liquidations while the price is stale.
    #[serde(default)]
    pub staleness: Option<StalenessSpec>,
    /// Pause liquidations for a while after the price moves too far too fast.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deviation_breaker: Option<DeviationBreakerSpec>,
    /// Fall back to another oracle (Liquity-style); push oracles only.
    #[serde(default)]
    pub fallback: Option<FallbackSpec>,
}

fn default_name() -> String {
    "oracle".to_string()
}

fn one() -> usize {
    1
}

fn one_u32() -> u32 {
    1
}

/// What a source reads.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ReadSpec {
    /// A venue's mid.
    Mid(String),
    /// A venue's last trade.
    LastTrade(String),
    /// A venue's VWAP over a trailing window.
    Vwap {
        /// The venue.
        venue: String,
        /// The window, seconds.
        window_s: f64,
    },
    /// The exogenous reference price.
    Reference,
    /// An AMM pool's spot price.
    Pool(String),
}

/// One source.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceSpec {
    /// Name in traces (the venue's name, or `reference`, if absent); unique within the oracle.
    #[serde(default)]
    pub name: Option<String>,
    /// What it reads.
    pub read: ReadSpec,
    /// Its own latency, milliseconds (the oracle's `latency_ms` if absent).
    #[serde(default)]
    pub latency_ms: Option<LatencyModel>,
    /// Weight in a weighted median.
    #[serde(default = "one_u32")]
    pub weight: u32,
    /// Outages, freezes and manipulations.
    #[serde(default)]
    pub faults: Vec<FaultSpec>,
}

/// A fault over `[from_s, until_s)`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Start, seconds.
    pub from_s: f64,
    /// End, seconds.
    pub until_s: f64,
    /// What happens.
    pub kind: FaultKindSpec,
}

/// Kinds of fault.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum FaultKindSpec {
    /// No answer.
    Outage,
    /// The last reading repeated with its old timestamp.
    Frozen,
    /// The price times this factor (0.7 = a 30% downward wick).
    Scale(f64),
    /// The price plus this many units of quote currency.
    Offset(f64),
}

/// Median rules.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum MedianSpec {
    /// The mean of the middle two for an even count (rounded down).
    #[default]
    Mean,
    /// The upper middle (Chainlink's `observations[n/2]`).
    Upper,
    /// The lower middle.
    Lower,
}

impl MedianSpec {
    fn rule(self) -> MedianRule {
        match self {
            MedianSpec::Mean => MedianRule::MeanFloor,
            MedianSpec::Upper => MedianRule::Upper,
            MedianSpec::Lower => MedianRule::Lower,
        }
    }
}

/// Aggregation of the sources.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum AggregationSpec {
    /// The median.
    Median(MedianSpec),
    /// The median weighted by each source's `weight`.
    WeightedMedian(MedianSpec),
}

impl Default for AggregationSpec {
    fn default() -> Self {
        AggregationSpec::Median(MedianSpec::Mean)
    }
}

/// Smoothing of the aggregate.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub enum SmoothingSpec {
    /// None.
    #[default]
    None,
    /// Time-weighted average over a trailing window, seconds.
    Twap(f64),
    /// EMA with this half-life, seconds.
    EmaHalfLife(f64),
    /// Hyperliquid's time-weighted EMA with this time constant, seconds.
    EmaTimeWeighted(f64),
}

/// Publication rules.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum PublicationSpec {
    /// Chainlink-like: a round on a deviation or a heartbeat, readable after an inclusion delay.
    Push {
        /// Deviation threshold, fraction (0.005 = 0.5%).
        deviation: f64,
        /// Heartbeat, seconds.
        heartbeat_s: f64,
        /// Inclusion delay from round start to on-chain, milliseconds.
        inclusion_delay_ms: LatencyModel,
        /// Chainlink's minAnswer: rounds below are refused.
        #[serde(default)]
        min_answer: Option<f64>,
        /// Chainlink's maxAnswer: rounds above are refused.
        #[serde(default)]
        max_answer: Option<f64>,
    },
    /// MakerDAO's OSM: the protocol reads the value of one hop earlier.
    Osm {
        /// The hop, seconds (3600 for Maker).
        hop_s: f64,
    },
    /// Pyth-like pull: every aggregate published; the consumer rejects old or wide prices.
    Pull {
        /// Staleness bound, seconds.
        max_age_s: f64,
        /// Largest accepted confidence / price, fraction (0.01 = 1%).
        max_conf: f64,
    },
}

/// A staleness breaker.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StalenessSpec {
    /// A price older than this pauses liquidations, seconds.
    pub max_age_s: f64,
    /// Liquidations stay paused this long after recovery, seconds.
    #[serde(default)]
    pub grace_s: f64,
}

/// A deviation circuit breaker: a price more than `max_move` away from any price readable in
/// the trailing `window_s` pauses liquidations for `pause_s`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeviationBreakerSpec {
    /// Largest allowed move, fraction (0.1 = 10%).
    pub max_move: f64,
    /// Trailing window, seconds.
    pub window_s: f64,
    /// Pause after a trip, seconds.
    pub pause_s: f64,
}

/// A fallback to another oracle.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FallbackSpec {
    /// The secondary oracle's name (in the scenario's `oracles`).
    pub secondary: String,
    /// A source older than this is frozen, seconds (Liquity: 14,400).
    #[serde(default = "default_timeout")]
    pub timeout_s: f64,
    /// A larger move between consecutive rounds distrusts the primary, fraction (0.5).
    #[serde(default = "default_jump")]
    pub max_jump: f64,
    /// The sources agree within this, fraction (0.05).
    #[serde(default = "default_divergence")]
    pub max_divergence: f64,
}

fn default_timeout() -> f64 {
    14_400.0
}
fn default_jump() -> f64 {
    0.5
}
fn default_divergence() -> f64 {
    0.05
}

fn latency(field: &str, l: &LatencyModel) -> Check {
    l.check()
        .or_else(|e| fail(format!("{field}.{}", e.param), e.reason.to_string()))
}

fn bps(fraction: f64) -> Bps {
    Bps((fraction * 10_000.0).round() as u32)
}

fn secs(s: f64) -> SimDuration {
    SimDuration::from_secs_f64(s)
}

impl SourceSpec {
    /// The source's name.
    pub fn display_name(&self) -> String {
        self.name.clone().unwrap_or_else(|| match &self.read {
            ReadSpec::Mid(v) | ReadSpec::LastTrade(v) => v.clone(),
            ReadSpec::Vwap { venue, .. } => format!("{venue}-vwap"),
            ReadSpec::Reference => "reference".to_string(),
            ReadSpec::Pool(p) => p.clone(),
        })
    }

    /// The book venue it reads, if any.
    pub fn venue(&self) -> Option<&str> {
        match &self.read {
            ReadSpec::Mid(v) | ReadSpec::LastTrade(v) => Some(v),
            ReadSpec::Vwap { venue, .. } => Some(venue),
            ReadSpec::Reference | ReadSpec::Pool(_) => None,
        }
    }
}

impl OracleSpec {
    /// Range-checks the oracle; `f` is its field path (`oracle` or `oracles[i]`).
    pub(crate) fn validate(&self, f: &str) -> Check {
        if self.name.trim().is_empty() || self.name.contains(',') {
            return fail(format!("{f}.name"), "must be non-empty and without commas");
        }
        positive(&format!("{f}.observe_every_ms"), self.observe_every_ms)?;
        latency(&format!("{f}.latency_ms"), &self.latency_ms)?;
        let n = self.sources.len().max(1);
        if self.quorum == 0 || self.quorum > n {
            return fail(
                format!("{f}.quorum"),
                format!(
                    "must be in [1, {n}] (the number of sources), got {}",
                    self.quorum
                ),
            );
        }
        if let Some(a) = self.max_reading_age_s {
            positive(&format!("{f}.max_reading_age_s"), a)?;
        }
        let mut names: Vec<String> = Vec::new();
        for (j, s) in self.sources.iter().enumerate() {
            let g = format!("{f}.sources[{j}]");
            let name = s.display_name();
            if names.contains(&name) {
                return fail(
                    format!("{g}.name"),
                    format!(
                        "`{name}` is used twice in this oracle; give the sources distinct names"
                    ),
                );
            }
            names.push(name);
            if let Some(l) = &s.latency_ms {
                latency(&format!("{g}.latency_ms"), l)?;
            }
            if let ReadSpec::Vwap { window_s, .. } = s.read {
                positive(&format!("{g}.read.window_s"), window_s)?;
            }
            if s.weight == 0 {
                return fail(format!("{g}.weight"), "must be at least 1");
            }
            for (k, fault) in s.faults.iter().enumerate() {
                let h = format!("{g}.faults[{k}]");
                non_negative(&format!("{h}.from_s"), fault.from_s)?;
                if !(fault.until_s.is_finite() && fault.until_s > fault.from_s) {
                    return fail(
                        format!("{h}.until_s"),
                        format!(
                            "must be after from_s ({}), got {}",
                            fault.from_s, fault.until_s
                        ),
                    );
                }
                match fault.kind {
                    FaultKindSpec::Scale(x) => positive(&format!("{h}.kind"), x)?,
                    FaultKindSpec::Offset(x) if !x.is_finite() => {
                        return fail(format!("{h}.kind"), "the offset must be finite");
                    }
                    _ => {}
                }
            }
        }
        match &self.smoothing {
            SmoothingSpec::None => {}
            SmoothingSpec::Twap(s)
            | SmoothingSpec::EmaHalfLife(s)
            | SmoothingSpec::EmaTimeWeighted(s) => positive(&format!("{f}.smoothing"), *s)?,
        }
        match &self.publication {
            PublicationSpec::Push {
                deviation,
                heartbeat_s,
                inclusion_delay_ms,
                min_answer,
                max_answer,
            } => {
                within(
                    &format!("{f}.publication.deviation"),
                    *deviation,
                    0.0,
                    1.0,
                    false,
                    true,
                )?;
                positive(&format!("{f}.publication.heartbeat_s"), *heartbeat_s)?;
                latency(
                    &format!("{f}.publication.inclusion_delay_ms"),
                    inclusion_delay_ms,
                )?;
                if let (Some(lo), Some(hi)) = (min_answer, max_answer)
                    && lo > hi
                {
                    return fail(
                        format!("{f}.publication.min_answer"),
                        format!("must not exceed max_answer ({hi}), got {lo}"),
                    );
                }
            }
            PublicationSpec::Osm { hop_s } => positive(&format!("{f}.publication.hop_s"), *hop_s)?,
            PublicationSpec::Pull {
                max_age_s,
                max_conf,
            } => {
                positive(&format!("{f}.publication.max_age_s"), *max_age_s)?;
                within(
                    &format!("{f}.publication.max_conf"),
                    *max_conf,
                    0.0,
                    1.0,
                    false,
                    false,
                )?;
            }
        }
        if let Some(s) = &self.staleness {
            positive(&format!("{f}.staleness.max_age_s"), s.max_age_s)?;
            non_negative(&format!("{f}.staleness.grace_s"), s.grace_s)?;
        }
        if let Some(d) = &self.deviation_breaker {
            let g = format!("{f}.deviation_breaker");
            if !(d.max_move >= 0.0001 && d.max_move <= 10.0) {
                return fail(
                    format!("{g}.max_move"),
                    format!(
                        "must be a fraction in [0.0001, 10] (0.1 = 10%), got {}",
                        d.max_move
                    ),
                );
            }
            positive(&format!("{g}.window_s"), d.window_s)?;
            non_negative(&format!("{g}.pause_s"), d.pause_s)?;
        }
        if let Some(fb) = &self.fallback {
            if !matches!(self.publication, PublicationSpec::Push { .. }) {
                return fail(
                    format!("{f}.fallback"),
                    "a fallback needs a push primary (it compares the latest two rounds)",
                );
            }
            positive(&format!("{f}.fallback.timeout_s"), fb.timeout_s)?;
            within(
                &format!("{f}.fallback.max_jump"),
                fb.max_jump,
                0.0,
                1.0,
                true,
                false,
            )?;
            within(
                &format!("{f}.fallback.max_divergence"),
                fb.max_divergence,
                0.0,
                1.0,
                false,
                false,
            )?;
        }
        Ok(())
    }

    /// The engine's configuration; venue and oracle names are already checked.
    pub(crate) fn build(
        &self,
        m: &MarketUnits,
        venue_index: &dyn Fn(&str) -> usize,
        oracle_index: &dyn Fn(&str) -> usize,
        default_venue: &str,
        venues: usize,
    ) -> OracleConfig {
        let ticks = |p: f64| Ticks((p / m.tick_size).round() as i64);
        let default_source = SourceSpec {
            name: None,
            read: ReadSpec::Mid(default_venue.to_string()),
            latency_ms: None,
            weight: 1,
            faults: Vec::new(),
        };
        let specs = if self.sources.is_empty() {
            std::slice::from_ref(&default_source)
        } else {
            &self.sources[..]
        };
        let sources = specs
            .iter()
            .map(|s| OracleSource {
                name: s.display_name(),
                kind: match &s.read {
                    ReadSpec::Mid(v) => SourceKind::Mid(venue_index(v)),
                    ReadSpec::LastTrade(v) => SourceKind::LastTrade(venue_index(v)),
                    ReadSpec::Vwap { venue, window_s } => SourceKind::Vwap {
                        venue: venue_index(venue),
                        window: secs(*window_s),
                    },
                    ReadSpec::Reference => SourceKind::Reference,
                    ReadSpec::Pool(p) => SourceKind::Pool(venue_index(p) - venues),
                },
                latency: s
                    .latency_ms
                    .clone()
                    .unwrap_or_else(|| self.latency_ms.clone()),
                weight: s.weight,
                faults: s
                    .faults
                    .iter()
                    .map(|f| Fault {
                        window: Window {
                            from: SimTime::ZERO + secs(f.from_s),
                            until: SimTime::ZERO + secs(f.until_s),
                        },
                        kind: match f.kind {
                            FaultKindSpec::Outage => FaultKind::Outage,
                            FaultKindSpec::Frozen => FaultKind::Frozen,
                            FaultKindSpec::Scale(x) => FaultKind::Scale { factor: bps(x) },
                            FaultKindSpec::Offset(x) => FaultKind::Offset { ticks: ticks(x).0 },
                        },
                    })
                    .collect(),
            })
            .collect();
        OracleConfig {
            name: self.name.clone(),
            sources,
            observe_every: SimDuration::from_millis_f64(self.observe_every_ms),
            aggregation: match self.aggregation {
                AggregationSpec::Median(r) => Aggregation::Median(r.rule()),
                AggregationSpec::WeightedMedian(r) => Aggregation::WeightedMedian(r.rule()),
            },
            quorum: self.quorum,
            max_reading_age: self.max_reading_age_s.map(secs),
            smoothing: match self.smoothing {
                SmoothingSpec::None => Smoothing::None,
                SmoothingSpec::Twap(s) => Smoothing::Twap(secs(s)),
                SmoothingSpec::EmaHalfLife(s) => {
                    Smoothing::Ema(EmaRule::HalfLife { half_life: secs(s) })
                }
                SmoothingSpec::EmaTimeWeighted(s) => {
                    Smoothing::Ema(EmaRule::TimeWeighted { tau: secs(s) })
                }
            },
            publication: match &self.publication {
                PublicationSpec::Push {
                    deviation,
                    heartbeat_s,
                    inclusion_delay_ms,
                    min_answer,
                    max_answer,
                } => Publication::Push {
                    rule: PushRule {
                        deviation: bps(*deviation),
                        heartbeat: secs(*heartbeat_s),
                    },
                    inclusion: inclusion_delay_ms.clone(),
                    bounds: (min_answer.is_some() || max_answer.is_some()).then(|| {
                        AnswerBounds::new(
                            min_answer.map_or(Ticks(i64::MIN), ticks),
                            max_answer.map_or(Ticks(i64::MAX), ticks),
                        )
                        .expect("validated: min_answer <= max_answer")
                    }),
                },
                PublicationSpec::Osm { hop_s } => Publication::Osm { hop: secs(*hop_s) },
                PublicationSpec::Pull {
                    max_age_s,
                    max_conf,
                } => Publication::Pull(PullConsumer {
                    max_age: secs(*max_age_s),
                    max_conf: bps(*max_conf),
                }),
            },
            staleness: self.staleness.map(|s| StalenessRule {
                max_age: secs(s.max_age_s),
                grace: secs(s.grace_s),
            }),
            deviation_breaker: self
                .deviation_breaker
                .map(|d| cascade_oracle::DeviationRule {
                    max_move: bps(d.max_move),
                    window: secs(d.window_s),
                    pause: secs(d.pause_s),
                }),
            fallback: self.fallback.as_ref().map(|f| FallbackConfig {
                rule: FallbackRule {
                    timeout: secs(f.timeout_s),
                    max_jump: bps(f.max_jump),
                    max_divergence: bps(f.max_divergence),
                },
                secondary: oracle_index(&f.secondary),
            }),
        }
    }
}

/// Range-checks the congestion knots.
pub(crate) fn validate_congestion(knots: &[(f64, f64)]) -> Check {
    for (i, &(t, v)) in knots.iter().enumerate() {
        non_negative(&format!("congestion[{i}].0"), t)?;
        non_negative(&format!("congestion[{i}].1"), v)?;
        if i > 0 && t <= knots[i - 1].0 {
            return fail(
                format!("congestion[{i}].0"),
                format!("times must increase, got {t} after {}", knots[i - 1].0),
            );
        }
    }
    Ok(())
}
