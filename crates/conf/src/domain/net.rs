//! `<interface>`: the typed network interface definition.
