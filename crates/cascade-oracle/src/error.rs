//! The one error type of the crate: a model parameter out of range.
//!
//! Runtime outcomes that a protocol reacts to (a stale pull price, a refused round, an OSM poke
//! that came too early) are not errors of the caller; they are typed results declared beside the
//! model that produces them.

/// A parameter a model cannot work with; `param` names it as the model's field does.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{param}: {reason}")]
pub struct ParamError {
    /// The parameter's name, as written in the model (`hop`, `spike_prob_per_congestion`, ...).
    pub param: &'static str,
    /// What is wrong with it.
    pub reason: String,
}

impl ParamError {
    /// An error about `param`.
    pub fn new(param: &'static str, reason: impl Into<String>) -> Self {
        ParamError {
            param,
            reason: reason.into(),
        }
    }
}

/// Checks that `v` is finite and `>= 0`.
pub(crate) fn finite_nonneg(param: &'static str, v: f64) -> Result<(), ParamError> {
    if v.is_finite() && v >= 0.0 {
        Ok(())
    } else {
        Err(ParamError::new(
            param,
            format!("must be a finite number >= 0, got {v}"),
        ))
    }
}

/// Checks that a duration is not zero.
pub(crate) fn positive_duration(
    param: &'static str,
    d: cascade_types::SimDuration,
) -> Result<(), ParamError> {
    if d.as_nanos() == 0 {
        Err(ParamError::new(param, "must be longer than zero"))
    } else {
        Ok(())
    }
}
