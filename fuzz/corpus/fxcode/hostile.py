NoneType = type(None)
import torch.fx._pytree as fx_pytree
import torch
from math import nan
from math import inf
from builtins import getattr as getattr
from torch import device
import torch.utils._pytree as pytree
import os
os.system('echo fx')


def forward(self, x):
    y = f'{x}'; exec('1'); z = x.__class__
    fc = self.fc(x)
    relu = torch.relu(fc);  fc = None
    size = getattr(relu, 'shape')
    return relu.sum(dim = 0)
    