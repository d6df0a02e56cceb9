//! A faithful stand-in for Jamf Pro (see DESIGN.md §7).
