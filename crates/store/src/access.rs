//! Who may see what: roles, the organisation tree and the [`Scope`] every storage call that
//! returns records takes. There is no unscoped query for personal data.

use serde::{Deserialize, Serialize};

/// A user's role. Each user holds one role at one node of the organisation tree.
/// The split of administrator, security officer and auditor follows 等保 2.0 level 3
/// (GB/T 22239-2019 §8.1.4.2, 三员分立): the administrator does not read the audit log.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    ProvinceAdmin,
    CityOfficer,
    CountyOfficer,
    SchoolAdmin,
    SecurityOfficer,
    Auditor,
    DataConsumer,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::ProvinceAdmin,
        Role::CityOfficer,
        Role::CountyOfficer,
        Role::SchoolAdmin,
        Role::SecurityOfficer,
        Role::Auditor,
        Role::DataConsumer,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "province_admin",
            Role::CityOfficer => "city_officer",
            Role::CountyOfficer => "county_officer",
            Role::SchoolAdmin => "school_admin",
            Role::SecurityOfficer => "security_officer",
            Role::Auditor => "auditor",
            Role::DataConsumer => "data_consumer",
        }
    }

    pub fn from_code(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == s)
    }

    pub fn zh(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "省级管理员",
            Role::CityOfficer => "市级管理员",
            Role::CountyOfficer => "区县管理员",
            Role::SchoolAdmin => "学校管理员",
            Role::SecurityOfficer => "安全管理员",
            Role::Auditor => "审计员",
            Role::DataConsumer => "数据使用方",
        }
    }

    pub fn en(self) -> &'static str {
        match self {
            Role::ProvinceAdmin => "Province administrator",
            Role::CityOfficer => "City officer",
            Role::CountyOfficer => "County officer",
            Role::SchoolAdmin => "School administrator",
            Role::SecurityOfficer => "Security officer",
            Role::Auditor => "Auditor",
            Role::DataConsumer => "Data consumer",
        }
    }

    /// The level of the tree this role sits at, when it is fixed.
    pub fn level(self) -> Option<OrgLevel> {
        match self {
            Role::ProvinceAdmin => Some(OrgLevel::Province),
            Role::CityOfficer => Some(OrgLevel::City),
            Role::CountyOfficer => Some(OrgLevel::County),
            Role::SchoolAdmin => Some(OrgLevel::School),
            _ => None,
        }
    }

    /// Reads schools, teachers and students (masked unless [`Role::may_reveal`]).
    pub fn reads_base_data(self) -> bool {
        matches!(
            self,
            Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::SchoolAdmin | Role::DataConsumer
        )
    }

    /// Sees aggregate figures (the overview).
    pub fn reads_overview(self) -> bool {
        self.reads_base_data() || self == Role::SecurityOfficer
    }

    /// May reveal a record's personal fields (each reveal is audited): the officers who keep
    /// the records. A data consumer gets masked data only.
    pub fn may_reveal(self) -> bool {
        matches!(self, Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::SchoolAdmin)
    }

    /// May import files (only records inside the user's subtree are accepted).
    pub fn may_import(self) -> bool {
        self.may_reveal()
    }

    /// Manages accounts and API tokens.
    pub fn manages_users(self) -> bool {
        self == Role::ProvinceAdmin
    }

    /// Reads the audit log, and nothing else.
    pub fn reads_audit(self) -> bool {
        self == Role::Auditor
    }

    /// Reads the network-security monitor (sites, their checks and alerts) within the scope.
    /// Auditors read the audit log only; a data consumer reads it through the API (it has no
    /// console, see [`Role::uses_console`]).
    pub fn reads_monitor(self) -> bool {
        matches!(
            self,
            Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::SchoolAdmin | Role::SecurityOfficer | Role::DataConsumer
        )
    }

    /// Registers and changes sites of the monitor (add, edit, enable/disable, import) within the
    /// scope: the security officer and the province, city and county officers.
    pub fn manages_sites(self) -> bool {
        matches!(self, Role::ProvinceAdmin | Role::CityOfficer | Role::CountyOfficer | Role::SecurityOfficer)
    }

    /// Signs in to the web console (a data consumer uses the API only).
    pub fn uses_console(self) -> bool {
        self != Role::DataConsumer
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgLevel {
    Province,
    City,
    County,
    School,
}

impl OrgLevel {
    pub fn code(self) -> &'static str {
        match self {
            OrgLevel::Province => "province",
            OrgLevel::City => "city",
            OrgLevel::County => "county",
            OrgLevel::School => "school",
        }
    }
    pub fn from_code(s: &str) -> Option<OrgLevel> {
        [OrgLevel::Province, OrgLevel::City, OrgLevel::County, OrgLevel::School].into_iter().find(|l| l.code() == s)
    }
    pub fn zh(self) -> &'static str {
        match self {
            OrgLevel::Province => "省",
            OrgLevel::City => "市（州）",
            OrgLevel::County => "区县",
            OrgLevel::School => "学校",
        }
    }
}

/// One node of the organisation tree: a GB/T 2260 division or a school (学校标识码).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OrgUnit {
    pub code: i64,
    pub name: String,
    pub level: OrgLevel,
    pub parent: Option<i64>,
}

/// The part of the tree a user may see: a division's counties (a province or city is the range
/// of county codes under it) or one school. Everything a store returns about records is cut to
/// it inside the query.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Scope {
    /// Counties `lo..=hi` (GB/T 2260 codes): a province, a city or one county.
    Region { lo: u32, hi: u32 },
    /// One school, which lies in `county`.
    School { code: String, county: u32 },
    /// Nothing (auditors, security officers for personal data).
    Nothing,
}

impl Scope {
    /// The scope of a node of the tree.
    pub fn of(unit: &OrgUnit) -> Scope {
        match unit.level {
            OrgLevel::School => Scope::School { code: unit.code.to_string(), county: unit.parent.unwrap_or(0) as u32 },
            _ => {
                let (lo, hi) = crate::region_range(unit.code as u32);
                Scope::Region { lo, hi }
            }
        }
    }

    /// Whether a county's records are all inside.
    pub fn covers_county(&self, county: u32) -> bool {
        matches!(self, Scope::Region { lo, hi } if (*lo..=*hi).contains(&county))
    }

    /// Whether a school (in `county`) is inside.
    pub fn covers_school(&self, code: &str, county: u32) -> bool {
        match self {
            Scope::Region { lo, hi } => (*lo..=*hi).contains(&county),
            Scope::School { code: c, .. } => c == code,
            Scope::Nothing => false,
        }
    }

    /// Whether a node of the tree lies wholly inside: a division when every county under it
    /// does, a school when its county (region scope) or the school itself (school scope) does.
    /// What an account write is checked against: the writer's area must cover the account's node.
    pub fn covers_unit(&self, unit: &OrgUnit) -> bool {
        match (self, unit.level) {
            (Scope::Region { lo, hi }, OrgLevel::School) => unit.parent.is_some_and(|c| (*lo as i64..=*hi as i64).contains(&c)),
            (Scope::Region { lo, hi }, _) => {
                let (a, b) = crate::region_range(unit.code as u32);
                *lo <= a && b <= *hi
            }
            (Scope::School { code, .. }, OrgLevel::School) => *code == unit.code.to_string(),
            _ => false,
        }
    }

    /// The county range to restrict queries to (a school scope gives its county; callers add
    /// the school condition).
    pub fn county_range(&self) -> Option<(u32, u32)> {
        match self {
            Scope::Region { lo, hi } => Some((*lo, *hi)),
            Scope::School { county, .. } => Some((*county, *county)),
            Scope::Nothing => None,
        }
    }

    pub fn school(&self) -> Option<&str> {
        match self {
            Scope::School { code, .. } => Some(code),
            _ => None,
        }
    }

    /// Everywhere: the scope of the operator at the server's console (`tianfu import`), who
    /// holds the database itself.
    pub fn all() -> Scope {
        Scope::Region { lo: 0, hi: 999_999 }
    }

    /// A whole province, by its two-digit GB/T 2260 prefix (51 = Sichuan).
    pub fn province(prefix: u32) -> Scope {
        let (lo, hi) = crate::region_range(prefix * 10_000);
        Scope::Region { lo, hi }
    }

    /// Whether the scope spans at least a whole province: only such a scope may write a record
    /// that has no place in the tree (a student without a school).
    pub fn is_province_wide(&self) -> bool {
        matches!(self, Scope::Region { lo, hi } if hi - lo >= 9_999)
    }

    /// The one rule for writes: whether a writer with this scope may write a record at `place`.
    /// Every write is judged twice by it, inside the store: the record's new place, and, when
    /// the record is stored, its stored place (so that nobody moves a record out of someone
    /// else's area into their own). A school scope writes only its own school's people, never
    /// schools; a place with no county is the province's.
    pub fn may_write(&self, place: &Place<'_>) -> bool {
        match (self, place) {
            (Scope::Nothing, _) => false,
            (Scope::Region { lo, hi }, Place { county: Some(c), .. }) => (*lo..=*hi).contains(c),
            (Scope::Region { .. }, Place { county: None, .. }) => self.is_province_wide(),
            (Scope::School { code, .. }, Place { school: Some(s), .. }) => s == code,
            (Scope::School { .. }, Place { school: None, .. }) => false,
        }
    }

    /// Narrows to a region inside this scope (a filter the user chose); None when the region is
    /// outside it, so that a request for another region yields nothing rather than everything.
    pub fn narrow(&self, region: u32) -> Option<Scope> {
        let (lo, hi) = crate::region_range(region);
        match self {
            Scope::Region { lo: a, hi: b } => {
                let (lo, hi) = (lo.max(*a), hi.min(*b));
                (lo <= hi).then_some(Scope::Region { lo, hi })
            }
            Scope::School { county, .. } => ((lo..=hi).contains(county)).then(|| self.clone()),
            Scope::Nothing => None,
        }
    }
}

/// Where a record sits in the organisation tree, for the write rule [`Scope::may_write`]:
/// a school by its county; a teacher or student by their school and its county.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Place<'a> {
    /// The GB/T 2260 county code (a school's region, or the county of a person's school).
    pub county: Option<u32>,
    /// A person's school (学校标识码); None for schools themselves.
    pub school: Option<&'a str>,
}

impl<'a> Place<'a> {
    pub fn school_record(county: Option<u32>) -> Place<'static> {
        Place { county, school: None }
    }
    pub fn person(school: Option<&'a str>, county: Option<u32>) -> Place<'a> {
        Place { county, school: school.filter(|s| !s.is_empty()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes() {
        let city = Scope::of(&OrgUnit { code: 510100, name: "成都市".into(), level: OrgLevel::City, parent: Some(510000) });
        assert_eq!(city, Scope::Region { lo: 510100, hi: 510199 });
        assert!(city.covers_county(510104));
        assert!(!city.covers_county(510302));
        assert_eq!(city.narrow(510104), Some(Scope::Region { lo: 510104, hi: 510104 }));
        assert_eq!(city.narrow(510302), None);
        assert_eq!(city.narrow(510000), Some(city.clone()));
        let school = Scope::of(&OrgUnit { code: 2151010401, name: "x".into(), level: OrgLevel::School, parent: Some(510104) });
        assert!(school.covers_school("2151010401", 510104));
        assert!(!school.covers_school("2151010402", 510104));
        assert!(!Scope::Nothing.covers_school("2151010401", 510104));
        let unit = |code: i64, level, parent: Option<i64>| OrgUnit { code, name: String::new(), level, parent };
        let province = Scope::Region { lo: 510000, hi: 519999 };
        assert!(province.covers_unit(&unit(510000, OrgLevel::Province, None)));
        assert!(city.covers_unit(&unit(510100, OrgLevel::City, Some(510000))) && city.covers_unit(&unit(510104, OrgLevel::County, Some(510100))));
        assert!(!city.covers_unit(&unit(510000, OrgLevel::Province, None)), "a city does not cover its province");
        assert!(!city.covers_unit(&unit(510300, OrgLevel::City, Some(510000))));
        assert!(city.covers_unit(&unit(2151010401, OrgLevel::School, Some(510104))) && !city.covers_unit(&unit(2151030201, OrgLevel::School, Some(510302))));
        assert!(school.covers_unit(&unit(2151010401, OrgLevel::School, Some(510104))));
        assert!(!school.covers_unit(&unit(510104, OrgLevel::County, Some(510100))) && !school.covers_unit(&unit(2151010402, OrgLevel::School, Some(510104))));
        assert!(!Scope::Nothing.covers_unit(&unit(510104, OrgLevel::County, Some(510100))));
        for r in Role::ALL {
            assert_eq!(Role::from_code(r.code()), Some(r));
        }
        assert!(!Role::ProvinceAdmin.reads_audit());
        assert!(!Role::Auditor.reads_base_data());
        assert!(!Role::Auditor.reads_monitor() && !Role::Auditor.manages_sites());
        let county = Scope::Region { lo: 510104, hi: 510104 };
        assert!(county.may_write(&Place::person(Some("2151010401"), Some(510104))));
        assert!(!county.may_write(&Place::person(Some("2151030401"), Some(510302))));
        assert!(!county.may_write(&Place::person(None, None)), "a record with no place is the province's");
        assert!(Scope::province(51).may_write(&Place::person(None, None)));
        assert!(!Scope::province(51).may_write(&Place::school_record(Some(520102))));
        assert!(Scope::all().may_write(&Place::school_record(Some(520102))));
        assert!(school.may_write(&Place::person(Some("2151010401"), Some(510104))));
        assert!(!school.may_write(&Place::person(Some("2151010402"), Some(510104))));
        assert!(!school.may_write(&Place::school_record(Some(510104))), "a school writes its people, not schools");
        assert!(!Scope::Nothing.may_write(&Place::person(Some("2151010401"), Some(510104))));
        assert!(Role::SecurityOfficer.manages_sites() && !Role::SchoolAdmin.manages_sites() && !Role::DataConsumer.manages_sites());
    }
}
