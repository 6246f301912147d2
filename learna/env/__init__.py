"""The RNA design environment, registered with gymnasium as ``learna/RnaDesign-v0``."""

from gymnasium.envs.registration import register, registry

from learna.env.config import EnvConfig
from learna.env.rna_design import RnaDesignEnv

ENV_ID = "learna/RnaDesign-v0"

if ENV_ID not in registry:
    register(id=ENV_ID, entry_point="learna.env.rna_design:RnaDesignEnv")

__all__ = ["ENV_ID", "EnvConfig", "RnaDesignEnv"]
