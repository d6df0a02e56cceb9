//! The unified directory: normalized records, the normalization from Jamf, snapshot cache.
