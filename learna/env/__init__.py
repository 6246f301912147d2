"""The RNA design environment, registered with gymnasium as ``learna/RnaDesign-v0``.

The environment registers itself when :mod:`learna.env.rna_design` is imported, which ``learna.env.ENV_ID``
and ``learna.env.RnaDesignEnv`` do on first use (``from learna.env import ENV_ID``, then
``gymnasium.make(ENV_ID, config=..., targets=[...])``). The package itself stays light: reading an
:class:`EnvConfig` does not import gymnasium.
"""

from learna.env.config import EnvConfig

__all__ = ["ENV_ID", "EnvConfig", "RnaDesignEnv"]


def __getattr__(name: str):
    if name in ("ENV_ID", "RnaDesignEnv"):
        from learna.env import rna_design

        return getattr(rna_design, name)
    raise AttributeError(f"module 'learna.env' has no attribute {name!r}")
