//! The models against documents captured from the engines on this machine (see
//! fixtures/README.md for how they were made).
