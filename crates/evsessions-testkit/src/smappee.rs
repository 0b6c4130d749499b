//! Mock server for smappee (in progress).
