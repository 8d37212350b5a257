class Net(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  _is_full_backward_hook : Optional[bool]
  body : __torch__.torch.nn.modules.container.Sequential
  def forward(self: __torch__.Net,
    x: Tensor) -> Tensor:
    body = self.body
    return torch.add((body).forward(x, ), 1)
