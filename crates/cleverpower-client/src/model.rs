//! The vendor's own types, 1:1 with its JSON and tolerant: every field optional, unknown keys
//! ignored, identifiers read as text whether sent as numbers or strings, decimals exact.
//!
//! - [`NabijeciBod`] (Czech, PascalCase): the charging point returned by `POST api/Ocpp`, with
//!   every field of the API's help page, English Rust names, and serde renames to the Czech
//!   names. Its sessions (`NabijeciBodTransakces`) stay raw JSON at this level and are decoded
//!   one by one into [`NabijeciBodTransakce`], so that one odd session never loses the others.
//! - [`NabijeciBodTransakce`]: one session. **Its shape is not documented anywhere**; the
//!   fields here are the reasoned guess of the research notes (§3.2). The record is always kept
//!   whole in [`NabijeciBodTransakce::raw`].
//! - [`Transaction`], [`ChargingPoint`] (English, snake_case): the `api/v1` app models.
//!
//! Dates are kept as the text the server sent ([`DotNetDate`]) and read by the normalizer in
//! the configured time zone (see [`DotNetDate::to_utc`]).

use chrono::{DateTime, Utc};
use evsessions_core::chrono_tz::Tz;
use evsessions_core::serde_util::{decimal_opt, opt_id, opt_string};
use evsessions_core::time::{parse_timestamp, TimeError};
use evsessions_core::RawRecord;
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A .NET `DateTime` as the server wrote it: zoneless (`2024-05-13T17:05:44.207`, read in the
/// configured zone), with `Z` or an offset, 0–7 fractional digits, or the legacy
/// `/Date(1715612744207)/`.
///
/// ```
/// use cleverpower_client::DotNetDate;
/// use evsessions_core::chrono_tz::Tz;
/// let d = DotNetDate::from("2024-01-15T08:00:00");
/// let t = d.to_utc(Tz::Europe__Prague).unwrap().unwrap();
/// assert_eq!(t.to_rfc3339(), "2024-01-15T07:00:00+00:00");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct DotNetDate(pub String);

impl DotNetDate {
    /// The text as sent.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The instant, reading a zoneless time in `zone` (DST respected). Empty text and the
    /// .NET `0001-01-01` sentinel are `Ok(None)`.
    pub fn to_utc(&self, zone: Tz) -> Result<Option<DateTime<Utc>>, TimeError> {
        parse_timestamp(&self.0, zone)
    }
}

impl From<&str> for DotNetDate {
    fn from(s: &str) -> Self {
        DotNetDate(s.to_string())
    }
}

/// `NabijeciBod` ("charging point"): the response of `POST api/Ocpp?chargeId=&connectorId=`.
///
/// Every field of the API's help page, in page order. Czech names and meanings are in each
/// field's doc; `docs/cleverpower.md` has the full table. The help page shows no nullability,
/// so every field is optional. Integer foreign keys (`Id…`) are read as text.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NabijeciBod {
    /// `Id` — identifier of the charging point.
    #[serde(rename = "Id", default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// `Version` — record version (revision counter).
    #[serde(rename = "Version", default)]
    pub version: Option<i64>,
    /// `IdNabijeciStanice` — FK → charging station (*nabíjecí stanice*).
    #[serde(rename = "IdNabijeciStanice", default, deserialize_with = "opt_id")]
    pub station_id: Option<String>,
    /// `IdNabijeciBodUmisteni` — FK → placement/location type of the point (*umístění*).
    #[serde(rename = "IdNabijeciBodUmisteni", default, deserialize_with = "opt_id")]
    pub placement_id: Option<String>,
    /// `IdNabijeciBodVykonovyTypVystupniDostupny` — FK → power class of the available output.
    #[serde(
        rename = "IdNabijeciBodVykonovyTypVystupniDostupny",
        default,
        deserialize_with = "opt_id"
    )]
    pub available_output_power_class_id: Option<String>,
    /// `IdNabijeciBodVykonovyTypVystupniJmenovity` — FK → power class of the rated (nominal)
    /// output.
    #[serde(
        rename = "IdNabijeciBodVykonovyTypVystupniJmenovity",
        default,
        deserialize_with = "opt_id"
    )]
    pub rated_output_power_class_id: Option<String>,
    /// `DostupneVystupniNapetiV` — available output voltage (V).
    #[serde(rename = "DostupneVystupniNapetiV", default, with = "decimal_opt")]
    pub available_output_voltage_v: Option<Decimal>,
    /// `DostupnyVystupniProudA` — available output current (A).
    #[serde(rename = "DostupnyVystupniProudA", default, with = "decimal_opt")]
    pub available_output_current_a: Option<Decimal>,
    /// `DostupnyVystupniVykonKw` — available output power (kW).
    #[serde(rename = "DostupnyVystupniVykonKw", default, with = "decimal_opt")]
    pub available_output_power_kw: Option<Decimal>,
    /// `JmenoviteVystupniNapetiV` — rated output voltage (V).
    #[serde(rename = "JmenoviteVystupniNapetiV", default, with = "decimal_opt")]
    pub rated_output_voltage_v: Option<Decimal>,
    /// `JmenovityVystupniProudA` — rated output current (A).
    #[serde(rename = "JmenovityVystupniProudA", default, with = "decimal_opt")]
    pub rated_output_current_a: Option<Decimal>,
    /// `JmenovityVystupniVykonKw` — rated output power (kW) (→ `charger.max_power_kw`).
    #[serde(rename = "JmenovityVystupniVykonKw", default, with = "decimal_opt")]
    pub rated_output_power_kw: Option<Decimal>,
    /// `IdNabijeciBodRezimNabijeniTyp` — FK → charging mode type (IEC mode 1–4, inferred).
    #[serde(
        rename = "IdNabijeciBodRezimNabijeniTyp",
        default,
        deserialize_with = "opt_id"
    )]
    pub charging_mode_type_id: Option<String>,
    /// `IdNabijeciBodDynamickeInformaceDostupnost` — FK → availability of dynamic information
    /// (Hubject `DynamicInfoAvailable`, inferred).
    #[serde(
        rename = "IdNabijeciBodDynamickeInformaceDostupnost",
        default,
        deserialize_with = "opt_id"
    )]
    pub dynamic_info_availability_id: Option<String>,
    /// `IdNabijeciBodNabijeniTyp` — FK → charging type (AC/DC…, inferred).
    #[serde(
        rename = "IdNabijeciBodNabijeniTyp",
        default,
        deserialize_with = "opt_id"
    )]
    pub charging_type_id: Option<String>,
    /// `IdNabijeciBodKonektorTyp` — FK → connector (plug) type; its code list is unknown.
    #[serde(
        rename = "IdNabijeciBodKonektorTyp",
        default,
        deserialize_with = "opt_id"
    )]
    pub connector_type_id: Option<String>,
    /// `IsNadstavboveSluzby` — offers value-added services (*nadstavbové služby*).
    #[serde(rename = "IsNadstavboveSluzby", default)]
    pub has_value_added_services: Option<bool>,
    /// `IsVlastniIpAdresa` — has its own (static) IP address.
    #[serde(rename = "IsVlastniIpAdresa", default)]
    pub has_own_ip_address: Option<bool>,
    /// `IsAdresaIpv4` — the address is IPv4.
    #[serde(rename = "IsAdresaIpv4", default)]
    pub is_ipv4: Option<bool>,
    /// `IsAdresaIpv6` — the address is IPv6.
    #[serde(rename = "IsAdresaIpv6", default)]
    pub is_ipv6: Option<bool>,
    /// `IpAdresa` — IP address.
    #[serde(rename = "IpAdresa", default, deserialize_with = "opt_string")]
    pub ip_address: Option<String>,
    /// `IpAdresaAdresniMaska` — subnet mask.
    #[serde(
        rename = "IpAdresaAdresniMaska",
        default,
        deserialize_with = "opt_string"
    )]
    pub subnet_mask: Option<String>,
    /// `IpAdresaDelkaPredponyPodsite` — subnet prefix length (a string on the help page).
    #[serde(
        rename = "IpAdresaDelkaPredponyPodsite",
        default,
        deserialize_with = "opt_id"
    )]
    pub subnet_prefix_length: Option<String>,
    /// `IpAdresaVychoziBrana` — default gateway.
    #[serde(
        rename = "IpAdresaVychoziBrana",
        default,
        deserialize_with = "opt_string"
    )]
    pub default_gateway: Option<String>,
    /// `IpAdresaDns` — DNS server.
    #[serde(rename = "IpAdresaDns", default, deserialize_with = "opt_string")]
    pub dns_server: Option<String>,
    /// `IdNabijeciBodSetUctovacichPravidel` — FK → billing rule set (*set účtovacích pravidel*).
    #[serde(
        rename = "IdNabijeciBodSetUctovacichPravidel",
        default,
        deserialize_with = "opt_id"
    )]
    pub billing_rule_set_id: Option<String>,
    /// `IsSynchronizovatSHubjectem` — synchronise with Hubject (eRoaming).
    #[serde(rename = "IsSynchronizovatSHubjectem", default)]
    pub sync_with_hubject: Option<bool>,
    /// `DatumZmenyStavu` — date/time of the last status change.
    #[serde(rename = "DatumZmenyStavu", default)]
    pub status_changed_at: Option<DotNetDate>,
    /// `DatumPosledniAktualizaceStavuVHubjectu` — last status push to Hubject.
    #[serde(rename = "DatumPosledniAktualizaceStavuVHubjectu", default)]
    pub hubject_status_updated_at: Option<DotNetDate>,
    /// `DatumPosledniAktualizaceUdajuVHubjectu` — last data (EVSE record) push to Hubject.
    #[serde(rename = "DatumPosledniAktualizaceUdajuVHubjectu", default)]
    pub hubject_data_updated_at: Option<DotNetDate>,
    /// `OcppServerFqdn` — host name of the OCPP server.
    #[serde(rename = "OcppServerFqdn", default, deserialize_with = "opt_string")]
    pub ocpp_server_fqdn: Option<String>,
    /// `IdNabijeciBodKonektor` — FK → connector (*konektor*).
    #[serde(rename = "IdNabijeciBodKonektor", default, deserialize_with = "opt_id")]
    pub connector_id: Option<String>,
    /// `IdNabijeciBodStavVHubjectu` — FK → status as reported to Hubject.
    #[serde(
        rename = "IdNabijeciBodStavVHubjectu",
        default,
        deserialize_with = "opt_id"
    )]
    pub hubject_status_id: Option<String>,
    /// `IdNabijeciBodStav` — FK → current status (*stav*).
    #[serde(rename = "IdNabijeciBodStav", default, deserialize_with = "opt_id")]
    pub status_id: Option<String>,
    /// `IpAdresaNtp` — NTP server address.
    #[serde(rename = "IpAdresaNtp", default, deserialize_with = "opt_string")]
    pub ntp_server: Option<String>,
    /// `OcppServerIpAdresa` — IP address of the OCPP server.
    #[serde(
        rename = "OcppServerIpAdresa",
        default,
        deserialize_with = "opt_string"
    )]
    pub ocpp_server_ip_address: Option<String>,
    /// `KapacitaMaximalniKwh` — maximum capacity (kWh).
    #[serde(rename = "KapacitaMaximalniKwh", default, with = "decimal_opt")]
    pub max_capacity_kwh: Option<Decimal>,
    /// `IsHubjectKompatibilni` — Hubject-compatible.
    #[serde(rename = "IsHubjectKompatibilni", default)]
    pub is_hubject_compatible: Option<bool>,
    /// `DatumZmeny` — date of the last change of the record.
    #[serde(rename = "DatumZmeny", default)]
    pub changed_at: Option<DotNetDate>,
    /// `Smazano` — deleted (soft-delete flag, *smazáno*).
    #[serde(rename = "Smazano", default)]
    pub deleted: Option<bool>,
    /// `DatumPrvniAktivace` — date of the first activation.
    #[serde(rename = "DatumPrvniAktivace", default)]
    pub first_activated_at: Option<DotNetDate>,
    /// `IdNabijeciBodStavUzivatelsky` — FK → user-defined status.
    #[serde(
        rename = "IdNabijeciBodStavUzivatelsky",
        default,
        deserialize_with = "opt_id"
    )]
    pub user_status_id: Option<String>,
    /// `Kod` — code, the short identifier of the point (*kód*; → `charger.name`).
    #[serde(rename = "Kod", default, deserialize_with = "opt_string")]
    pub code: Option<String>,
    /// `IdSynchronizaceSExternimSystemem` — id used to synchronise with an external system
    /// (a string on the help page).
    #[serde(
        rename = "IdSynchronizaceSExternimSystemem",
        default,
        deserialize_with = "opt_id"
    )]
    pub external_sync_id: Option<String>,
    /// `EvseId` — EVSE ID (`CZ*XXX*E…`; → `charger.evse_id`).
    #[serde(rename = "EvseId", default, deserialize_with = "opt_string")]
    pub evse_id: Option<String>,
    /// `IdNabijeciBodDostupnostDatDleKalibracnihoZakona` — FK → availability of data under
    /// the calibration (metrology) law (*dostupnost dat dle kalibračního zákona*).
    #[serde(
        rename = "IdNabijeciBodDostupnostDatDleKalibracnihoZakona",
        default,
        deserialize_with = "opt_id"
    )]
    pub calibration_law_data_availability_id: Option<String>,
    /// `IsEnergieZObnovitelnychZdroju` — energy from renewable sources.
    #[serde(rename = "IsEnergieZObnovitelnychZdroju", default)]
    pub is_renewable_energy: Option<bool>,
    /// `Tarify` — tariffs, as free text (a string on the help page).
    #[serde(rename = "Tarify", default, deserialize_with = "opt_string")]
    pub tariffs: Option<String>,
    /// `HasPlatebniTerminal` — has a payment terminal (*platební terminál*).
    #[serde(rename = "HasPlatebniTerminal", default)]
    pub has_payment_terminal: Option<bool>,
    /// `IdObchodniPartnerProvozovnaPlatebniTerminal` — FK → the business partner's premises
    /// (*obchodní partner – provozovna*) operating the payment terminal.
    #[serde(
        rename = "IdObchodniPartnerProvozovnaPlatebniTerminal",
        default,
        deserialize_with = "opt_id"
    )]
    pub payment_terminal_premises_id: Option<String>,
    /// `IdNabijeciBodTransakceOkruh` — FK → transaction circuit (*okruh*: circle, group;
    /// meaning not documented).
    #[serde(
        rename = "IdNabijeciBodTransakceOkruh",
        default,
        deserialize_with = "opt_id"
    )]
    pub transaction_circuit_id: Option<String>,
    /// `PovolenaPrimaPlatba` — direct (ad-hoc) payment allowed (*povolená přímá platba*).
    #[serde(rename = "PovolenaPrimaPlatba", default)]
    pub direct_payment_allowed: Option<bool>,
    /// `NabijeciStanice` — navigation object: the charging station (shape unknown; a `Nazev`
    /// is read as the site name when present).
    #[serde(rename = "NabijeciStanice", default)]
    pub station: Option<Value>,
    /// `NabijeciBodDynamickeInformaceDostupnost` — navigation object: dynamic-info availability.
    #[serde(rename = "NabijeciBodDynamickeInformaceDostupnost", default)]
    pub dynamic_info_availability: Option<Value>,
    /// `NabijeciBodRezimNabijeniTyp` — navigation object: charging mode type.
    #[serde(rename = "NabijeciBodRezimNabijeniTyp", default)]
    pub charging_mode_type: Option<Value>,
    /// `NabijeciBodUmisteni` — navigation object: placement.
    #[serde(rename = "NabijeciBodUmisteni", default)]
    pub placement: Option<Value>,
    /// `NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniJmenovity` — navigation object:
    /// power class of the rated output.
    #[serde(
        rename = "NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniJmenovity",
        default
    )]
    pub rated_output_power_class: Option<Value>,
    /// `NabijeciBodKonektorTyp` — navigation object: connector type (its `Nazev` or `Kod`
    /// gives `charger.connector_type` when present).
    #[serde(rename = "NabijeciBodKonektorTyp", default)]
    pub connector_type: Option<Value>,
    /// `NabijeciBodNabijeniTyp` — navigation object: charging type.
    #[serde(rename = "NabijeciBodNabijeniTyp", default)]
    pub charging_type: Option<Value>,
    /// `NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniDostupny` — navigation object:
    /// power class of the available output.
    #[serde(
        rename = "NabijeciBodVykonovyTyp_IdNabijeciBodVykonovyTypVystupniDostupny",
        default
    )]
    pub available_output_power_class: Option<Value>,
    /// `NabijeciBodTransakces` — the charging sessions of the point (*transakce*), each as its
    /// JSON text exactly as received; decode each with [`NabijeciBodTransakce::from_raw`].
    /// `null` or absent reads as empty.
    #[serde(
        rename = "NabijeciBodTransakces",
        default,
        deserialize_with = "evsessions_core::serde_util::null_as_default"
    )]
    pub transactions: Vec<RawRecord>,
    /// `NabijeciBodNadstavbovaSluzbaPrirazenas` — assigned value-added services.
    #[serde(rename = "NabijeciBodNadstavbovaSluzbaPrirazenas", default)]
    pub assigned_value_added_services: Option<Vec<Value>>,
    /// `NabijeciBodRezimOverovaniTypPrirazenies` — assigned authentication (verification)
    /// modes (*režim ověřování*).
    #[serde(rename = "NabijeciBodRezimOverovaniTypPrirazenies", default)]
    pub assigned_authentication_modes: Option<Vec<Value>>,
    /// `NabijeciBodMoznostPlatbyTypPrirazenies` — assigned payment options (*možnost platby*).
    #[serde(rename = "NabijeciBodMoznostPlatbyTypPrirazenies", default)]
    pub assigned_payment_options: Option<Vec<Value>>,
    /// `NabijeciBodSetUctovacichPravidel` — navigation object: billing rule set.
    #[serde(rename = "NabijeciBodSetUctovacichPravidel", default)]
    pub billing_rule_set: Option<Value>,
    /// `NabijeciBodKonektor` — navigation object: connector.
    #[serde(rename = "NabijeciBodKonektor", default)]
    pub connector: Option<Value>,
    /// `NabijeciBodStav` — navigation object: current status.
    #[serde(rename = "NabijeciBodStav", default)]
    pub status: Option<Value>,
    /// `NabijeciBodStavVHubjectu` — navigation object: status as reported to Hubject.
    #[serde(rename = "NabijeciBodStavVHubjectu", default)]
    pub hubject_status: Option<Value>,
    /// `LogKomunikaceSExternimSystememCleverPowers` — log of communication with external
    /// systems.
    #[serde(rename = "LogKomunikaceSExternimSystememCleverPowers", default)]
    pub external_communication_log: Option<Vec<Value>>,
    /// `IdentifikacniKods` — identification codes (*identifikační kódy*, e.g. RFID cards).
    #[serde(rename = "IdentifikacniKods", default)]
    pub identification_codes: Option<Vec<Value>>,
    /// `ProceduraCasovyPlans` — scheduled procedures (*procedura – časový plán*).
    #[serde(rename = "ProceduraCasovyPlans", default)]
    pub scheduled_procedures: Option<Vec<Value>>,
    /// `NabijeciSitNabijeciBods` — charging networks (*nabíjecí síť*) the point belongs to.
    #[serde(rename = "NabijeciSitNabijeciBods", default)]
    pub charging_networks: Option<Vec<Value>>,
    /// `NabijeciBodTransakceOkruh` — navigation object: transaction circuit.
    #[serde(rename = "NabijeciBodTransakceOkruh", default)]
    pub transaction_circuit: Option<Value>,
    /// `IsVerejny` — public (*veřejný*).
    #[serde(rename = "IsVerejny", default)]
    pub is_public: Option<bool>,
}

/// `NabijeciBodTransakce` ("charging-point transaction"): one charging session, an element of
/// [`NabijeciBod::transactions`].
///
/// **Guessed shape.** No document shows this type; these are the fields of the research notes
/// §3.2 (audit columns shared by every CleverPower entity, and Czech renderings of the v1
/// [`Transaction`]). Every field is optional, unknown keys are ignored, and the record as
/// received is in [`NabijeciBodTransakce::raw`] (and in `ChargingSession::raw`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct NabijeciBodTransakce {
    /// `Id` — identifier of the session (→ `ChargingSession::id`).
    #[serde(rename = "Id", default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// `Version` — record version.
    #[serde(rename = "Version", default)]
    pub version: Option<i64>,
    /// `IdNabijeciBod` — FK → charging point.
    #[serde(rename = "IdNabijeciBod", default, deserialize_with = "opt_id")]
    pub charging_point_id: Option<String>,
    /// `IdNabijeciBodKonektor` — FK → connector.
    #[serde(rename = "IdNabijeciBodKonektor", default, deserialize_with = "opt_id")]
    pub connector_id: Option<String>,
    /// `SessionId` — session id (OCPP / eRoaming).
    #[serde(rename = "SessionId", default, deserialize_with = "opt_id")]
    pub session_id: Option<String>,
    /// `IdTag` — RFID / authorization tag.
    #[serde(rename = "IdTag", default, deserialize_with = "opt_id")]
    pub id_tag: Option<String>,
    /// `DatumZahajeni` — start time (*zahájení*).
    #[serde(rename = "DatumZahajeni", default)]
    pub started_at: Option<DotNetDate>,
    /// `DatumUkonceni` — end time (*ukončení*); `null` while running.
    #[serde(rename = "DatumUkonceni", default)]
    pub ended_at: Option<DotNetDate>,
    /// `StavElektromeruZacatekWh` — meter reading at start (Wh) (*stav elektroměru*).
    #[serde(rename = "StavElektromeruZacatekWh", default, with = "decimal_opt")]
    pub meter_start_wh: Option<Decimal>,
    /// `StavElektromeruKonecWh` — meter reading at end (Wh).
    #[serde(rename = "StavElektromeruKonecWh", default, with = "decimal_opt")]
    pub meter_end_wh: Option<Decimal>,
    /// `SpotrebaKwh` — energy delivered (kWh) (*spotřeba*).
    #[serde(rename = "SpotrebaKwh", default, with = "decimal_opt")]
    pub energy_kwh: Option<Decimal>,
    /// `Cena` — price excluding VAT (*cena*), in the configured currency.
    #[serde(rename = "Cena", default, with = "decimal_opt")]
    pub price_excl_vat: Option<Decimal>,
    /// `CenaSDph` — price including VAT (*cena s DPH*).
    #[serde(rename = "CenaSDph", default, with = "decimal_opt")]
    pub price_incl_vat: Option<Decimal>,
    /// `IsVyuctovano` — settled / billed (*vyúčtováno*).
    #[serde(rename = "IsVyuctovano", default)]
    pub is_settled: Option<bool>,
    /// `DatumZmeny` — date of the last change of the record.
    #[serde(rename = "DatumZmeny", default)]
    pub changed_at: Option<DotNetDate>,
    /// `Smazano` — deleted (soft-delete flag).
    #[serde(rename = "Smazano", default)]
    pub deleted: Option<bool>,
    /// The record exactly as received, its JSON text (not part of the JSON form).
    #[serde(skip)]
    pub raw: RawRecord,
}

impl NabijeciBodTransakce {
    /// Decode one session of [`NabijeciBod::transactions`] from its text, keeping the text in
    /// `raw`. A field of the wrong type is [`evsessions_core::Error::Decode`] naming the record
    /// (`Id`, else `SessionId`) and the field.
    pub fn from_raw(raw: RawRecord) -> evsessions_core::Result<Self> {
        let mut t: NabijeciBodTransakce = evsessions_core::decode::decode_record(
            &crate::KIND,
            crate::client::OCPP_ENDPOINT,
            &["Id", "SessionId"],
            &raw,
        )?;
        t.raw = raw;
        Ok(t)
    }

    /// [`NabijeciBodTransakce::from_raw`] for a JSON value (tests, hand-made records): `raw`
    /// is its compact text.
    pub fn from_value(value: &Value) -> evsessions_core::Result<Self> {
        NabijeciBodTransakce::from_raw(RawRecord::from_value(value))
    }
}

/// An item of a code list (`CodeListSystem`) in the v1 models. The fields are not documented;
/// `id`, `code` and `name` are a guess and every other key is kept in `other`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct CodeListSystem {
    /// Identifier.
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Code.
    #[serde(default, deserialize_with = "opt_id")]
    pub code: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Every other key, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `Transaction`: the response of `GET api/v1/transactions/{id}` (snake_case as served).
///
/// The help page was cut off after the unit prices; the keys it did not show (times, energy,
/// charging point …) are kept in [`Transaction::other`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Transaction {
    /// Transaction id (required by the API).
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Settled / billed.
    #[serde(default)]
    pub is_settled: Option<bool>,
    /// Transaction number.
    #[serde(default, deserialize_with = "opt_id")]
    pub number: Option<String>,
    /// The number as a code.
    #[serde(default, deserialize_with = "opt_id")]
    pub number_code: Option<String>,
    /// EVSE ID of the charging point.
    #[serde(default, deserialize_with = "opt_string")]
    pub evse_id: Option<String>,
    /// Label / designation.
    #[serde(default, deserialize_with = "opt_string")]
    pub designation: Option<String>,
    /// The number printed on the RFID card.
    #[serde(default, deserialize_with = "opt_id")]
    pub rfid_printed_number: Option<String>,
    /// `round` — meaning not documented (a code-list item).
    #[serde(default)]
    pub round: Option<CodeListSystem>,
    /// Public charging point.
    #[serde(default)]
    pub is_public: Option<bool>,
    /// Charging type.
    #[serde(default)]
    pub type_charging: Option<CodeListSystem>,
    /// Session id.
    #[serde(default, deserialize_with = "opt_id")]
    pub session_id: Option<String>,
    /// Total excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price: Option<Decimal>,
    /// Total including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_with_vat: Option<Decimal>,
    /// Energy (charging) component excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_charging: Option<Decimal>,
    /// One-time fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_one_time_fee: Option<Decimal>,
    /// Time fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_time_fee: Option<Decimal>,
    /// Parking excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_parking: Option<Decimal>,
    /// Fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_fee: Option<Decimal>,
    /// Other items excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_other: Option<Decimal>,
    /// Energy (charging) component including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_charging_with_vat: Option<Decimal>,
    /// One-time fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_one_time_fee_with_vat: Option<Decimal>,
    /// Time fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_time_fee_with_vat: Option<Decimal>,
    /// Parking including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_parking_with_vat: Option<Decimal>,
    /// Fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_fee_with_vat: Option<Decimal>,
    /// Other items including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_other_with_vat: Option<Decimal>,
    /// Unit price of charging excluding VAT (per measured unit, inferred).
    #[serde(default, with = "decimal_opt")]
    pub price_charging_unit_of_measure: Option<Decimal>,
    /// Unit price of the one-time fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_one_time_fee_unit_of_measure: Option<Decimal>,
    /// Unit price of the time fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_time_fee_unit_of_measure: Option<Decimal>,
    /// Unit price of parking excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_parking_unit_of_measure: Option<Decimal>,
    /// Unit price of the fee excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_fee_unit_of_measure: Option<Decimal>,
    /// Unit price of other items excluding VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_other_unit_of_measure: Option<Decimal>,
    /// Unit price of charging including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_charging_with_vat_unit_of_measure: Option<Decimal>,
    /// Unit price of the one-time fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_one_time_fee_with_vat_unit_of_measure: Option<Decimal>,
    /// Unit price of the time fee including VAT.
    #[serde(default, with = "decimal_opt")]
    pub price_time_fee_with_vat_unit_of_measure: Option<Decimal>,
    /// Unit price of parking including VAT (name cut off on the help page; guessed by symmetry).
    #[serde(default, with = "decimal_opt")]
    pub price_parking_with_vat_unit_of_measure: Option<Decimal>,
    /// Unit price of the fee including VAT (not on the truncated help page; guessed).
    #[serde(default, with = "decimal_opt")]
    pub price_fee_with_vat_unit_of_measure: Option<Decimal>,
    /// Unit price of other items including VAT (not on the truncated help page; guessed).
    #[serde(default, with = "decimal_opt")]
    pub price_other_with_vat_unit_of_measure: Option<Decimal>,
    /// Every other key (the undocumented tail of the model), unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// A direct-payment product offered at a charging point (`DirectPaymentProduct`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DirectPaymentProduct {
    /// Product id (a GUID).
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// Reservation time (unit not documented).
    #[serde(default)]
    pub reservation_time: Option<i64>,
    /// Pre-authorised (blocked) amount.
    #[serde(default, with = "decimal_opt")]
    pub blocking_value: Option<Decimal>,
    /// Product id in the back office.
    #[serde(default, deserialize_with = "opt_id")]
    pub id_product: Option<String>,
    /// Amount including VAT.
    #[serde(default, with = "decimal_opt")]
    pub amount_with_vat: Option<Decimal>,
    /// Every other key, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `ChargingPoint`: the response of `GET api/v1/charging_points/by_code/{evse_id}`
/// (snake_case as served), with the point's current session, if any.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ChargingPoint {
    /// Charging point id (required by the API; `Id` of [`NabijeciBod`]).
    #[serde(default, deserialize_with = "opt_id")]
    pub id: Option<String>,
    /// The current transaction's id.
    #[serde(default, deserialize_with = "opt_id")]
    pub id_transaction: Option<String>,
    /// Hardware code (OCPP identity?).
    #[serde(default, deserialize_with = "opt_id")]
    pub hw_code: Option<String>,
    /// Direct-payment products.
    #[serde(default)]
    pub products: Option<Vec<DirectPaymentProduct>>,
    /// Code (`Kod`).
    #[serde(default, deserialize_with = "opt_id")]
    pub code: Option<String>,
    /// Name.
    #[serde(default, deserialize_with = "opt_string")]
    pub name: Option<String>,
    /// `inclusion` — meaning not documented.
    #[serde(default, deserialize_with = "opt_id")]
    pub inclusion: Option<String>,
    /// Charging is possible now.
    #[serde(default)]
    pub is_possible_to_charge: Option<bool>,
    /// Ad-hoc (direct) payment is possible now.
    #[serde(default)]
    pub is_possible_to_charge_direct_payment: Option<bool>,
    /// Status.
    #[serde(default)]
    pub state: Option<CodeListSystem>,
    /// Charging station.
    #[serde(default)]
    pub charging_station: Option<CodeListSystem>,
    /// Address (fields not documented).
    #[serde(default)]
    pub address: Option<Value>,
    /// Speed class.
    #[serde(default)]
    pub charging_speed: Option<CodeListSystem>,
    /// A socket (rather than a tethered cable).
    #[serde(default)]
    pub is_socket: Option<bool>,
    /// Public.
    #[serde(default)]
    pub is_public: Option<bool>,
    /// Placement.
    #[serde(default)]
    pub location: Option<CodeListSystem>,
    /// Rated power (kW).
    #[serde(default, with = "decimal_opt")]
    pub rated_power: Option<Decimal>,
    /// Connector type.
    #[serde(default)]
    pub connector: Option<CodeListSystem>,
    /// Manufacturer's output power (kW).
    #[serde(default, with = "decimal_opt")]
    pub output_power_from_manufacturer: Option<Decimal>,
    /// Maximum available output power (kW) (served with the typo `output_power_avaiable_max`).
    #[serde(rename = "output_power_avaiable_max", default, with = "decimal_opt")]
    pub output_power_available_max: Option<Decimal>,
    /// Manufacturer's output current (A).
    #[serde(default, with = "decimal_opt")]
    pub output_current_manufacturer: Option<Decimal>,
    /// Manufacturer's output voltage (V).
    #[serde(default, with = "decimal_opt")]
    pub output_voltage_manufacturer: Option<Decimal>,
    /// Power range, from.
    #[serde(default, with = "decimal_opt")]
    pub output_power_from: Option<Decimal>,
    /// Power range, to.
    #[serde(default, with = "decimal_opt")]
    pub output_power_to: Option<Decimal>,
    /// Current output current (A).
    #[serde(default, with = "decimal_opt")]
    pub output_current: Option<Decimal>,
    /// Elapsed charging time: hours part.
    #[serde(default)]
    pub charging_start_hour: Option<i64>,
    /// Elapsed charging time: minutes part.
    #[serde(default)]
    pub charging_start_minute: Option<i64>,
    /// Elapsed charging time: seconds part.
    #[serde(default)]
    pub charging_start_second: Option<i64>,
    /// The current session still runs.
    #[serde(default)]
    pub still_continues: Option<bool>,
    /// Planned end of the current session.
    #[serde(default)]
    pub planned_charging_end: Option<DotNetDate>,
    /// Start of the current session.
    #[serde(default)]
    pub charging_start: Option<DotNetDate>,
    /// Progress / state of charge in percent.
    #[serde(default, with = "decimal_opt")]
    pub percent: Option<Decimal>,
    /// Every other key, unchanged.
    #[serde(flatten)]
    pub other: Map<String, Value>,
}
