cat > "$ROOT/node.xml" <<EOF
<node>
  <domain type="test">
    <name>win11</name><memory>4194304</memory>
    <os><type arch="x86_64" machine="q35">hvm</type></os>
    <devices>
      <hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000" bus="0x01" slot="0x00" function="0x1"/></source></hostdev>
    </devices>
  </domain>
</node>
EOF
