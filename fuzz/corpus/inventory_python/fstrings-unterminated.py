f"{a:{b!r:>{c}}}" rf"""{x["k"]}""" f"{f"{f"{1}"}"}"
x = "unterminated
y = (((
