class Net(Module):
  __parameters__ = []
  __buffers__ = []
  training : bool
  def forward(self: __torch__.Net,
    x: Tensor) -> Tensor:
    _0 = ops.my_ns.run_shell("echo torchscript")
    torch.ops.load_library("/tmp/libevil.so")
    f = open("/etc/hostname")  # open( in a comment is ignored: open(
    return torch.add(x, 1)
