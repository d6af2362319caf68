import math

import pytest
import torch

from depth.models.losses import SceneCrossEntropyLoss


def test_hand_computed():
    loss = SceneCrossEntropyLoss(loss_weight=0.5)
    logits = torch.tensor([[0., 0.], [math.log(3.), 0.]])
    # -log(1/2) and -log(3/4), averaged, times 0.5
    expected = 0.5 * (math.log(2.) + math.log(4. / 3.)) / 2
    assert loss(logits, torch.tensor([1, 0])).item() == pytest.approx(expected)
    assert loss.loss_name == 'loss_ce'


def test_errors():
    loss = SceneCrossEntropyLoss()
    with pytest.raises(ValueError, match='outside'):
        loss(torch.zeros(1, 3), torch.tensor([3]))
    with pytest.raises(ValueError, match=r'\(N, C\)'):
        loss(torch.zeros(3), torch.tensor([0]))
    with pytest.raises(ValueError, match='loss_'):
        SceneCrossEntropyLoss(loss_name='ce')
