//! `<network>`: the typed virtual network definition.
