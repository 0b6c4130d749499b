//! Mock server for cleverpower (in progress).
