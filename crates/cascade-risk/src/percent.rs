//! Fixed-point helpers with Aave's rounding.
//!
//! Source: aave-dao/aave-v3-origin, `PercentageMath.sol` and `WadRayMath.sol`: percentages have
//! four digits (10_000 = 100%) and every operation rounds half up.

/// One in WAD fixed point (1e18), the unit of health factors.
pub const WAD: u128 = 1_000_000_000_000_000_000;
const PERCENTAGE_FACTOR: u128 = 10_000;
const HALF_PERCENTAGE: u128 = 5_000;

/// `value * percentage / 10_000`, rounded half up (`PercentageMath.percentMul`).
pub fn percent_mul(value: u128, percentage: u128) -> u128 {
    (value * percentage + HALF_PERCENTAGE) / PERCENTAGE_FACTOR
}

/// `value * 10_000 / percentage`, rounded half up (`PercentageMath.percentDiv`).
pub fn percent_div(value: u128, percentage: u128) -> u128 {
    (value * PERCENTAGE_FACTOR + percentage / 2) / percentage
}

/// `a * WAD / b`, rounded half up (`WadRayMath.wadDiv`).
pub fn wad_div(a: u128, b: u128) -> u128 {
    (a * WAD + b / 2) / b
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounding_is_half_up() {
        assert_eq!(percent_mul(1, 5_000), 1); // 0.5 rounds up
        assert_eq!(percent_mul(1, 4_999), 0);
        assert_eq!(percent_mul(200, 10_500), 210);
        assert_eq!(percent_div(210, 10_500), 200);
        assert_eq!(percent_div(1, 10_500), 1); // 0.952 rounds up
        assert_eq!(wad_div(1, 3), 333_333_333_333_333_333);
        assert_eq!(wad_div(2, 3), 666_666_666_666_666_667);
    }
}
