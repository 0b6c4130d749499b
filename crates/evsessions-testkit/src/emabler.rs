//! Mock server for emabler (in progress).
