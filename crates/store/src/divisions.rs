//! The organisation tree's first nodes: every province, city and county of GB/T 2260, so that an
//! installation serves whichever province its configuration names (`province = 52`); the
//! configured province is the scope of its administrators, not a property of the database.

use standard::codes::{DivisionLevel, DIVISIONS};

/// One `org_units` row: code, name, level, parent.
pub type OrgRow = (i64, &'static str, &'static str, Option<i64>);

/// Every division as an `org_units` row. A prefecture-level city without counties (东莞 441900,
/// 中山 442000, 儋州 460400) is listed in GB/T 2260 twice, as a city and as its own county: the
/// tree keeps the city, so that no node is its own parent.
pub fn org_rows() -> Vec<OrgRow> {
    DIVISIONS
        .list
        .iter()
        .filter(|d| d.parent != Some(d.code))
        .map(|d| {
            let level = match d.level {
                DivisionLevel::Province => "province",
                DivisionLevel::City => "city",
                DivisionLevel::County => "county",
            };
            (i64::from(d.code), d.name.as_str(), level, d.parent.map(i64::from))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn every_node_has_a_parent_one_level_up() {
        let rows = super::org_rows();
        let level: std::collections::HashMap<i64, &str> = rows.iter().map(|r| (r.0, r.2)).collect();
        for (code, _, l, parent) in &rows {
            let want = match *l {
                "province" => None,
                "city" => Some("province"),
                _ => Some("city"),
            };
            assert_eq!(parent.map(|p| level[&p]), want, "{code}");
        }
        assert_eq!(rows.iter().filter(|r| r.0 / 10_000 == 51).count(), 205, "Sichuan: 1 + 21 + 183");
        assert!(rows.iter().any(|r| r.0 == 520000 && r.1 == "贵州省"));
        assert_eq!(level.len(), rows.len(), "each code once");
    }
}
