//! Licence identifiers: the Hub's own ids (from the Hub documentation's licence table) and the
//! SPDX id each corresponds to, where one exists exactly.
//!
//! Families the Hub lists without a version (`bsd`, `cc`, `gpl`, `lgpl`, `gfdl`) and licences
//! that SPDX does not list (the RAIL family, Llama, Gemma, DeepFloyd) have no SPDX id: guessing
//! one would be wrong in exactly the cases an audit cares about. `agpl-3.0`, `gpl-3.0` etc. map
//! to the `-only` SPDX ids, the meaning of the deprecated bare SPDX ids they copy.

use serde::Serialize;

/// How a card's licence was recognised.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenseStatus {
    /// A licence identifier of the Hub's table (or an SPDX id or spelling that maps to one).
    Known,
    /// `other`: a custom licence, described by `license_name` / `license_link` when given.
    Other,
    /// `unknown`: the uploader says the licence is unknown.
    Unknown,
    /// A value that matches no known licence.
    Unrecognized,
}

/// A card's licence, normalised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct License {
    /// The value as written (a list is joined with ", ").
    pub raw: String,
    /// The Hub licence id (`apache-2.0`, `llama2`, `other`, …), when recognised.
    pub id: Option<String>,
    /// The SPDX id, where one corresponds exactly.
    pub spdx: Option<String>,
    /// `license_name` (for `other`).
    pub name: Option<String>,
    /// `license_link` (for `other`).
    pub link: Option<String>,
    pub status: LicenseStatus,
}

/// (Hub id, SPDX id) for every licence of the Hub's table, plus the newer Llama ids seen on cards.
const HUB_LICENSES: &[(&str, Option<&str>)] = &[
    ("apache-2.0", Some("Apache-2.0")),
    ("mit", Some("MIT")),
    ("openrail", None),
    ("bigscience-openrail-m", None),
    ("creativeml-openrail-m", None),
    ("bigscience-bloom-rail-1.0", None),
    ("bigcode-openrail-m", None),
    ("afl-3.0", Some("AFL-3.0")),
    ("artistic-2.0", Some("Artistic-2.0")),
    ("bsl-1.0", Some("BSL-1.0")),
    ("bsd", None),
    ("bsd-2-clause", Some("BSD-2-Clause")),
    ("bsd-3-clause", Some("BSD-3-Clause")),
    ("bsd-3-clause-clear", Some("BSD-3-Clause-Clear")),
    ("c-uda", Some("C-UDA-1.0")),
    ("cc", None),
    ("cc0-1.0", Some("CC0-1.0")),
    ("cc-by-2.0", Some("CC-BY-2.0")),
    ("cc-by-2.5", Some("CC-BY-2.5")),
    ("cc-by-3.0", Some("CC-BY-3.0")),
    ("cc-by-4.0", Some("CC-BY-4.0")),
    ("cc-by-sa-3.0", Some("CC-BY-SA-3.0")),
    ("cc-by-sa-4.0", Some("CC-BY-SA-4.0")),
    ("cc-by-nc-2.0", Some("CC-BY-NC-2.0")),
    ("cc-by-nc-3.0", Some("CC-BY-NC-3.0")),
    ("cc-by-nc-4.0", Some("CC-BY-NC-4.0")),
    ("cc-by-nd-4.0", Some("CC-BY-ND-4.0")),
    ("cc-by-nc-nd-3.0", Some("CC-BY-NC-ND-3.0")),
    ("cc-by-nc-nd-4.0", Some("CC-BY-NC-ND-4.0")),
    ("cc-by-nc-sa-2.0", Some("CC-BY-NC-SA-2.0")),
    ("cc-by-nc-sa-3.0", Some("CC-BY-NC-SA-3.0")),
    ("cc-by-nc-sa-4.0", Some("CC-BY-NC-SA-4.0")),
    ("cdla-sharing-1.0", Some("CDLA-Sharing-1.0")),
    ("cdla-permissive-1.0", Some("CDLA-Permissive-1.0")),
    ("cdla-permissive-2.0", Some("CDLA-Permissive-2.0")),
    ("wtfpl", Some("WTFPL")),
    ("ecl-2.0", Some("ECL-2.0")),
    ("epl-1.0", Some("EPL-1.0")),
    ("epl-2.0", Some("EPL-2.0")),
    ("etalab-2.0", Some("etalab-2.0")),
    ("eupl-1.1", Some("EUPL-1.1")),
    ("eupl-1.2", Some("EUPL-1.2")),
    ("agpl-3.0", Some("AGPL-3.0-only")),
    ("gfdl", None),
    ("gpl", None),
    ("gpl-2.0", Some("GPL-2.0-only")),
    ("gpl-3.0", Some("GPL-3.0-only")),
    ("lgpl", None),
    ("lgpl-2.1", Some("LGPL-2.1-only")),
    ("lgpl-3.0", Some("LGPL-3.0-only")),
    ("isc", Some("ISC")),
    ("lppl-1.3c", Some("LPPL-1.3c")),
    ("ms-pl", Some("MS-PL")),
    ("mpl-2.0", Some("MPL-2.0")),
    ("odc-by", Some("ODC-By-1.0")),
    ("odbl", Some("ODbL-1.0")),
    ("openrail++", None),
    ("osl-3.0", Some("OSL-3.0")),
    ("postgresql", Some("PostgreSQL")),
    ("ofl-1.1", Some("OFL-1.1")),
    ("ncsa", Some("NCSA")),
    ("unlicense", Some("Unlicense")),
    ("zlib", Some("Zlib")),
    ("pddl", Some("PDDL-1.0")),
    ("lgpl-lr", Some("LGPLLR")),
    ("deepfloyd-if-license", None),
    ("llama2", None),
    ("llama3", None),
    ("llama3.1", None),
    ("llama3.2", None),
    ("llama3.3", None),
    ("llama4", None),
    ("gemma", None),
    ("apple-ascl", None),
    ("unknown", None),
    ("other", None),
];

/// Other spellings of Hub ids seen in cards (after lower-casing and turning spaces and
/// underscores into dashes).
const ALIASES: &[(&str, &str)] = &[
    ("apache", "apache-2.0"),
    ("apache2", "apache-2.0"),
    ("apache-2", "apache-2.0"),
    ("apache2.0", "apache-2.0"),
    ("apache-license-2.0", "apache-2.0"),
    ("apache-2.0-license", "apache-2.0"),
    ("mit-license", "mit"),
    ("the-mit-license", "mit"),
    ("gpl-3.0-only", "gpl-3.0"),
    ("gpl-2.0-only", "gpl-2.0"),
    ("gplv3", "gpl-3.0"),
    ("gplv2", "gpl-2.0"),
    ("agpl-3.0-only", "agpl-3.0"),
    ("lgpl-3.0-only", "lgpl-3.0"),
    ("lgpl-2.1-only", "lgpl-2.1"),
    ("cc0", "cc0-1.0"),
    ("cc-by", "cc-by-4.0"),
    ("cc-by-nc", "cc-by-nc-4.0"),
    ("cc-by-sa", "cc-by-sa-4.0"),
    ("llama-2", "llama2"),
    ("llama-3", "llama3"),
    ("odc-by-1.0", "odc-by"),
    ("odbl-1.0", "odbl"),
    ("pddl-1.0", "pddl"),
    ("c-uda-1.0", "c-uda"),
];

/// Normalises a licence value as written in front matter.
pub fn normalize(raw: &str, name: Option<String>, link: Option<String>) -> License {
    let key = canonical_key(raw);
    let id = HUB_LICENSES
        .iter()
        .find(|(id, _)| *id == key)
        .map(|(id, _)| *id)
        .or_else(|| {
            ALIASES
                .iter()
                .find(|(alias, _)| *alias == key)
                .map(|(_, id)| *id)
        });
    let spdx = id.and_then(|id| {
        HUB_LICENSES
            .iter()
            .find(|(hub, _)| *hub == id)
            .and_then(|(_, spdx)| *spdx)
    });
    let status = match id {
        Some("other") => LicenseStatus::Other,
        Some("unknown") => LicenseStatus::Unknown,
        Some(_) => LicenseStatus::Known,
        None => LicenseStatus::Unrecognized,
    };
    License {
        raw: raw.to_string(),
        id: id.map(str::to_string),
        spdx: spdx.map(str::to_string),
        name,
        link,
        status,
    }
}

/// Lower case, spaces and underscores as dashes, a trailing "license"/"licence" word dropped.
fn canonical_key(raw: &str) -> String {
    let mut key: String = raw
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '_' => '-',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    for suffix in ["-license", "-licence"] {
        if key.len() > suffix.len() && key.ends_with(suffix) {
            let base = &key[..key.len() - suffix.len()];
            if HUB_LICENSES.iter().any(|(id, _)| *id == base) {
                key.truncate(base.len());
            }
        }
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hub_ids_map_to_spdx() {
        let l = normalize("apache-2.0", None, None);
        assert_eq!(l.id.as_deref(), Some("apache-2.0"));
        assert_eq!(l.spdx.as_deref(), Some("Apache-2.0"));
        assert_eq!(l.status, LicenseStatus::Known);
        assert_eq!(
            normalize("cc-by-nc-4.0", None, None).spdx.as_deref(),
            Some("CC-BY-NC-4.0")
        );
        assert_eq!(
            normalize("gpl-3.0", None, None).spdx.as_deref(),
            Some("GPL-3.0-only")
        );
    }

    #[test]
    fn spdx_ids_and_spellings_are_recognised() {
        assert_eq!(
            normalize("Apache-2.0", None, None).id.as_deref(),
            Some("apache-2.0")
        );
        assert_eq!(
            normalize("MIT License", None, None).id.as_deref(),
            Some("mit")
        );
        assert_eq!(
            normalize("Apache 2.0", None, None).id.as_deref(),
            Some("apache-2.0")
        );
        assert_eq!(
            normalize("CC-BY-SA-4.0", None, None).spdx.as_deref(),
            Some("CC-BY-SA-4.0")
        );
    }

    #[test]
    fn licences_without_an_spdx_id_keep_none() {
        let l = normalize("llama2", None, None);
        assert_eq!((l.id.as_deref(), l.spdx), (Some("llama2"), None));
        assert_eq!(l.status, LicenseStatus::Known);
        assert_eq!(normalize("creativeml-openrail-m", None, None).spdx, None);
        assert_eq!(normalize("bsd", None, None).spdx, None);
    }

    #[test]
    fn other_unknown_and_unrecognised() {
        let l = normalize("other", Some("gemma-terms-of-use".into()), None);
        assert_eq!(l.status, LicenseStatus::Other);
        assert_eq!(l.name.as_deref(), Some("gemma-terms-of-use"));
        assert_eq!(
            normalize("unknown", None, None).status,
            LicenseStatus::Unknown
        );
        let l = normalize("my-own-terms", None, None);
        assert_eq!((l.status, l.id), (LicenseStatus::Unrecognized, None));
        assert_eq!(l.raw, "my-own-terms");
    }
}
