"""The policy network: embedding → conv → LSTM → dense → (logits, value), shapes from its config.

Observations of one episode are a fixed sequence (they depend only on the target), so the
network processes a whole episode at once: ``forward(obs)`` with obs of shape (T, W) returns
logits (T, A) and values (T,), the LSTM running over the T states in order. ``step`` processes one
observation with a carried recurrent state, as an agent acting in the environment does; both give
identical outputs (tested). The input vocabulary and the number of actions are the environment's
(given by the caller: the agent does not import the environment).

:func:`build_network` is the one place a network is created: its random initialisation is drawn inside
``torch.random.fork_rng`` from its own seed, so torch's global generator is never seeded or consumed.
"""

from __future__ import annotations

import math

import torch
from torch import nn

from learna.agent.config import NetworkConfig
from learna.errors import CheckpointError, ConfigError
from learna.seeding import torch_seeded



def _init_normal(module: nn.Module, std: float) -> None:
    nn.init.normal_(module.weight, 0.0, std)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)


class PolicyNetwork(nn.Module):
    """Actor-critic network for windows of ``window`` symbols (tokens 0..``tokens`` − 1) and ``actions`` actions."""

    def __init__(self, config: NetworkConfig, window: int, tokens: int = 4, actions: int = 4):
        super().__init__()
        self.config, self.window, self.actions = config, window, actions
        self.embedding = nn.Embedding(tokens, config.embedding_size) if config.embedding_size else None
        channels, length = max(1, config.embedding_size), window
        convs = []
        for radius, out in zip(config.conv_radii, config.conv_channels):
            if radius == 0:
                continue
            size = 2 * radius + 1
            if size > length:
                raise ConfigError(f"the conv windows ({', '.join(str(w) for w in config.conv_windows)} sites) do not fit "
                                  f"the state window of {window} sites: raise state_radius to at least "
                                  f"{sum(config.conv_radii)} or shrink conv_radii")
            convs.append(nn.Conv1d(channels, out, size))
            channels, length = out, length - size + 1
        self.convs = nn.ModuleList(convs)
        features = channels * length
        self.lstm = nn.LSTM(features, config.lstm_units, config.lstm_layers) if config.lstm_layers else None
        features = config.lstm_units if self.lstm else features
        dense = []
        for _ in range(config.fc_layers):
            dense.append(nn.Linear(features, config.fc_units))
            features = config.fc_units
        self.dense = nn.ModuleList(dense)
        self.logits = nn.Linear(features, actions)
        self.value = nn.Linear(features, 1)
        self._initialise()

    def _initialise(self) -> None:
        """Tensorforce 0.3.3's scheme: N(0, min(0.1, sqrt(2/(fan_in+fan_out)))) and zero biases."""
        for layer in [*self.dense, self.logits, self.value]:
            _init_normal(layer, min(0.1, math.sqrt(2.0 / (layer.in_features + layer.out_features))))
        for conv in self.convs:
            _init_normal(conv, min(0.1, math.sqrt(2.0 / conv.out_channels)))
        if self.embedding is not None:
            _init_normal(self.embedding, min(0.1, math.sqrt(1.0 / self.embedding.embedding_dim)))

    def features(self, obs: torch.Tensor) -> torch.Tensor:
        """Per-state features before the recurrent part: (T, W) → (T, F)."""
        if self.embedding is not None:
            x = self.embedding(obs.long())  # (T, W, E)
        else:
            x = obs.float().unsqueeze(-1)  # (T, W, 1)
        if self.convs:
            x = x.transpose(1, 2)  # (T, C, W)
            for conv in self.convs:
                x = torch.relu(conv(x))
            x = x.transpose(1, 2)  # flatten in (position, channel) order, as TF did
        return x.flatten(1)

    def head(self, h: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        for layer in self.dense:
            h = torch.relu(layer(h))
        return self.logits(h), self.value(h).squeeze(-1)

    def forward(self, obs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Logits (T, A) and values (T,) for one episode's observations (T, W)."""
        h = self.features(obs)
        if self.lstm is not None:
            h, _ = self.lstm(h)
        return self.head(h)

    def step(self, obs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """One acting step: obs (W,) and the carried LSTM state → (logits (A,), value, new state)."""
        h = self.features(obs.unsqueeze(0))
        if self.lstm is not None:
            h, state = self.lstm(h, state)
        logits, value = self.head(h)
        return logits[0], value[0], state


def build_network(config: NetworkConfig, window: int, *, tokens: int = 4, actions: int = 4, seed: int = 0,
                  state: dict | None = None) -> PolicyNetwork:
    """A network initialised from ``seed`` (torch's global generator untouched), or loaded from ``state``."""
    with torch_seeded(seed):
        network = PolicyNetwork(config, window, tokens, actions)
    if state is not None:
        try:
            network.load_state_dict(state)
        except RuntimeError as exc:
            raise CheckpointError(f"checkpoint weights do not fit the network: {' '.join(str(exc).split())[:300]}") from None
    return network
