‡
"serveû

xPlaceholder*
T0

wVarHandleOp*
T0

mmMatMulxw*
T0

saver/SaveV2SaveV2*
T0
%
saver/RestoreV2	RestoreV2*
T0Y
W

__inference_serve_10 
IdentityIdentityx*
T0
addAddV2xx*
T0"¿