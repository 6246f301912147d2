"""The policy network: embedding → conv → LSTM → dense → (logits, value), shapes from its config.

Observations of one episode are a fixed sequence (they depend only on the target), so the
network processes a whole episode at once: ``forward(obs)`` with obs of shape (T, W) returns
logits (T, 4) and values (T,), the LSTM running over the T states in order. ``step`` processes one
observation with a carried recurrent state, as an agent acting in the environment does; both give
identical outputs (tested).
"""

from __future__ import annotations

import math

import torch
from torch import nn

from learna.agent.config import NetworkConfig

N_ACTIONS = 4
N_TOKENS = 4


def _init_normal(module: nn.Module, std: float) -> None:
    nn.init.normal_(module.weight, 0.0, std)
    if getattr(module, "bias", None) is not None:
        nn.init.zeros_(module.bias)


class PolicyNetwork(nn.Module):
    """Actor-critic network for windows of ``window`` target symbols."""

    def __init__(self, config: NetworkConfig, window: int):
        super().__init__()
        self.config, self.window = config, window
        self.embedding = nn.Embedding(N_TOKENS, config.embedding_size) if config.embedding_size else None
        channels, length = max(1, config.embedding_size), window
        convs = []
        for radius, out in zip(config.conv_radii, config.conv_channels):
            if radius == 0:
                continue
            size = 2 * radius + 1
            if size > length:
                raise ValueError(f"conv window {size} exceeds the remaining input length {length}; raise state_radius")
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
        self.logits = nn.Linear(features, N_ACTIONS)
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
        """Logits (T, 4) and values (T,) for one episode's observations (T, W)."""
        h = self.features(obs)
        if self.lstm is not None:
            h, _ = self.lstm(h)
        return self.head(h)

    def step(self, obs: torch.Tensor, state: tuple[torch.Tensor, torch.Tensor] | None = None):
        """One acting step: obs (W,) and the carried LSTM state → (logits (4,), value, new state)."""
        h = self.features(obs.unsqueeze(0))
        if self.lstm is not None:
            h, state = self.lstm(h, state)
        logits, value = self.head(h)
        return logits[0], value[0], state
