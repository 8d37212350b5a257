¾
"serve²
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
T0

pyfuncPyFunc*
T0ô
W

__inference_serve_10 
IdentityIdentityx*
T0
addAddV2xx*
T0
˜
"
 __inference_signature_wrapper_42
fnConst*
T0
dataConst*
T0%
write	WriteFilefndata*
T0
readReadFilefn*
T0"¿