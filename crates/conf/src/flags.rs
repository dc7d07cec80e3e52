//! What a parse or a format is asked to do: the parse context handed down to every element
//! parser ([`ParseCtx`]) and the format flags mirroring libvirt's `VIR_DOMAIN_XML_*`
//! ([`FormatFlags`]).
//!
//! Parsing: the top-level `parse_str` builds one `ParseCtx`, and each element parser
//! (domain, devices, interfaces, networks) receives it by `&mut` so generated defaults
//! (UUIDs, MACs) come from one [`Generator`] and the live/inactive choice is made once.

use crate::generate::Generator;

/// State shared by every element parser of one document.
pub struct ParseCtx<'g> {
    /// Source of values libvirt invents when absent (UUID, MAC addresses).
    pub generator: &'g mut dyn Generator,
    /// Parse live (status) XML: keep runtime-only data such as aliases, target device
    /// names and `id` attributes. `false` is libvirt's `VIR_DOMAIN_DEF_PARSE_INACTIVE`,
    /// which drops them.
    pub live: bool,
    /// Run the post-parse validation that `define` runs (libvirt's validate step).
    pub validate: bool,
}

impl std::fmt::Debug for ParseCtx<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ParseCtx")
            .field("live", &self.live)
            .field("validate", &self.validate)
            .finish_non_exhaustive()
    }
}

impl<'g> ParseCtx<'g> {
    /// A context for defining a persistent configuration (inactive parse, validated).
    pub fn inactive(generator: &'g mut dyn Generator) -> Self {
        Self {
            generator,
            live: false,
            validate: true,
        }
    }

    /// A context for live/status XML (runtime data kept, validated).
    pub fn live(generator: &'g mut dyn Generator) -> Self {
        Self {
            generator,
            live: true,
            validate: true,
        }
    }

    /// `true` for an inactive (config) parse.
    pub fn is_inactive(&self) -> bool {
        !self.live
    }
}

/// Formatting flags, the `VIR_DOMAIN_XML_*` / `VIR_NETWORK_XML_*` bits clients pass.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct FormatFlags(u32);

impl FormatFlags {
    /// No flags: live formatting of whatever state the object is in.
    pub const NONE: FormatFlags = FormatFlags(0);
    /// `VIR_DOMAIN_XML_SECURE`: include passwords and other secrets.
    pub const SECURE: FormatFlags = FormatFlags(1 << 0);
    /// `VIR_DOMAIN_XML_INACTIVE`: the persistent configuration, no runtime-only data.
    pub const INACTIVE: FormatFlags = FormatFlags(1 << 1);
    /// `VIR_DOMAIN_XML_UPDATE_CPU`: expand the guest CPU from the host.
    pub const UPDATE_CPU: FormatFlags = FormatFlags(1 << 2);
    /// `VIR_DOMAIN_XML_MIGRATABLE`: drop what a migration target must recompute.
    pub const MIGRATABLE: FormatFlags = FormatFlags(1 << 3);
    /// Status XML, what a driver saves about a running domain (libvirt's internal
    /// `VIR_DOMAIN_DEF_FORMAT_STATUS | VIR_DOMAIN_DEF_FORMAT_ACTUAL_NET`): a resolved
    /// `type='network'` interface keeps its declared source and gets its port as an
    /// `<actual>` child. Not a client flag: the bit lies above libvirt's public
    /// `VIR_DOMAIN_XML_*` range, and drivers reject it from the wire as an unknown flag.
    pub const STATUS: FormatFlags = FormatFlags(1 << 16);

    /// From libvirt's numeric flag value (unknown bits kept, ignored by formatters).
    pub const fn from_bits(bits: u32) -> Self {
        FormatFlags(bits)
    }

    /// The numeric value, as sent on the wire.
    pub const fn bits(self) -> u32 {
        self.0
    }

    /// `true` when every bit of `other` is set.
    pub const fn contains(self, other: FormatFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// `true` when formatting the inactive configuration.
    pub const fn inactive(self) -> bool {
        self.contains(Self::INACTIVE)
    }

    /// `true` when secrets may be printed.
    pub const fn secure(self) -> bool {
        self.contains(Self::SECURE)
    }

    /// `true` when formatting status XML.
    pub const fn status(self) -> bool {
        self.contains(Self::STATUS)
    }

    /// `true` for migratable output.
    pub const fn migratable(self) -> bool {
        self.contains(Self::MIGRATABLE)
    }
}

impl std::ops::BitOr for FormatFlags {
    type Output = FormatFlags;
    fn bitor(self, rhs: FormatFlags) -> FormatFlags {
        FormatFlags(self.0 | rhs.0)
    }
}

impl std::ops::BitOrAssign for FormatFlags {
    fn bitor_assign(&mut self, rhs: FormatFlags) {
        self.0 |= rhs.0;
    }
}
