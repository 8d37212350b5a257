NoneType = type(None)
import torch.fx._pytree as fx_pytree
import torch
from math import nan
from math import inf
from builtins import getattr as getattr
from torch import device
import torch.utils._pytree as pytree


def forward(self, x):
    fc = self.fc(x)
    relu = torch.relu(fc);  fc = None
    size = getattr(relu, 'shape')
    return relu.sum(dim = 0)
    