"""The bundled model files of mtor_sim (installed as the package data ``mtor_sim.models``)."""
