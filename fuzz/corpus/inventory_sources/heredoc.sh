X=${A:-$(b "$(c)")} cat <<EOF
body $X
EOF
hf download "$X" --revision=`r`
