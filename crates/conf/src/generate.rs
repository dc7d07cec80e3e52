//! Values libvirt invents at parse time (UUIDs, MAC addresses, virtualport ids), behind a
//! trait so tests and the change-net vectors are deterministic.

/// Source of generated defaults.
pub trait Generator {
    /// A new random UUID (RFC 4122 version 4 layout).
    fn uuid(&mut self) -> [u8; 16];
    /// A new MAC address in libvirt's default prefix `52:54:00`.
    fn mac(&mut self) -> [u8; 6];
}

/// Production generator: random values.
#[derive(Debug, Default, Clone, Copy)]
pub struct RandomGenerator;

impl Generator for RandomGenerator {
    fn uuid(&mut self) -> [u8; 16] {
        *uuid::Uuid::new_v4().as_bytes()
    }

    fn mac(&mut self) -> [u8; 6] {
        let tail: [u8; 3] = rand::random();
        [0x52, 0x54, 0x00, tail[0], tail[1], tail[2]]
    }
}

/// Deterministic generator for tests: the n-th value is derived from a counter.
#[derive(Debug, Default, Clone)]
pub struct SequenceGenerator {
    next: u32,
}

impl SequenceGenerator {
    /// Starts at `first` (0 gives `00000000-0000-4000-8000-000000000000`, `52:54:00:00:00:00`).
    pub fn starting_at(first: u32) -> Self {
        Self { next: first }
    }

    fn bump(&mut self) -> u32 {
        let n = self.next;
        self.next = self.next.wrapping_add(1);
        n
    }
}

impl Generator for SequenceGenerator {
    fn uuid(&mut self) -> [u8; 16] {
        let n = self.bump().to_be_bytes();
        let mut u = [0u8; 16];
        u[6] = 0x40;
        u[8] = 0x80;
        u[12..].copy_from_slice(&n);
        u
    }

    fn mac(&mut self) -> [u8; 6] {
        let n = self.bump().to_be_bytes();
        [0x52, 0x54, 0x00, n[1], n[2], n[3]]
    }
}
