//! Normalization helpers shared by the vendor crates.

/// Map a vendor's connector label to the OCPI 2.2.1 `ConnectorType` name when it maps without
/// doubt; otherwise return the label unchanged (trimmed). Empty labels are `None`.
///
/// ```
/// use evsessions_core::normalize::connector_type;
/// assert_eq!(connector_type("CCS/SAE").as_deref(), Some("IEC_62196_T2_COMBO"));
/// assert_eq!(connector_type("GB/T DC").as_deref(), Some("GBT_DC"));
/// assert_eq!(connector_type("CHAdeMO").as_deref(), Some("CHADEMO"));
/// assert_eq!(connector_type("Mystery plug").as_deref(), Some("Mystery plug"));
/// assert_eq!(connector_type(" "), None);
/// ```
pub fn connector_type(label: &str) -> Option<String> {
    let t = label.trim();
    if t.is_empty() {
        return None;
    }
    let key: String = t
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_ascii_uppercase();
    let mapped = match key.as_str() {
        "CCS" | "CCS2" | "CCSSAE" | "CCSCOMBO2" | "COMBO2" | "IEC62196T2COMBO" | "TYPE2CCS"
        | "CCSTYPE2" => "IEC_62196_T2_COMBO",
        "CCS1" | "CCSCOMBO1" | "COMBO1" | "IEC62196T1COMBO" => "IEC_62196_T1_COMBO",
        "CHADEMO" => "CHADEMO",
        "GBTDC" => "GBT_DC",
        "GBTAC" => "GBT_AC",
        "TYPE2" | "T2" | "IEC62196T2" | "MENNEKES" => "IEC_62196_T2",
        "TYPE1" | "T1" | "IEC62196T1" | "J1772" | "SAEJ1772" => "IEC_62196_T1",
        "TESLA" | "NACS" | "TESLAS" => "TESLA_S",
        "SCHUKO" | "CEE77" | "DOMESTICF" => "DOMESTIC_F",
        _ => return Some(t.to_string()),
    };
    Some(mapped.to_string())
}
