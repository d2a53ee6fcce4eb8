"""Present layer: the ``darkfleet`` command line. Thin commands over the library."""
