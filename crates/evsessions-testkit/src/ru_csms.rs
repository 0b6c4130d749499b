//! Mock server for ru_csms (in progress).
