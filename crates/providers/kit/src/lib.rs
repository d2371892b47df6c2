//! Placeholder until the providers issue lands.
