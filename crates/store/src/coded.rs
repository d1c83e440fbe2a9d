//! Coded values: a small enum whose variants each have a stored code, a Chinese and an English
//! name, with `ALL`, `code`, `zh`, `en` and `parse` (by code or Chinese name). One macro for every
//! module that keeps such lists (catalog, checks, ledger, share).

/// `coded!(/// doc  Name { Variant => "code", "中文", "English"; … })`
macro_rules! coded {
    ($(#[$m:meta])* $name:ident { $($v:ident => $code:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name { $($v,)* }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v,)*];
            pub fn code(self) -> &'static str { match self { $($name::$v => $code,)* } }
            pub fn zh(self) -> &'static str { match self { $($name::$v => $zh,)* } }
            pub fn en(self) -> &'static str { match self { $($name::$v => $en,)* } }
            /// By its code or its Chinese name.
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|x| x.code() == s || x.zh() == s)
            }
        }
    };
}
pub(crate) use coded;
