"""The persona simulator: whole conversations played against the real stack (tests/personas/)."""
