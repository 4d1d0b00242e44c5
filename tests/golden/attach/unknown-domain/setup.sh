cat > "$ROOT/node.xml" <<EOF
<node>
  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>win11</name><memory>4194304</memory>
    <os><type arch="x86_64" machine="q35">hvm</type></os>
    <devices><disk type="file" device="disk"><source file="/var/lib/libvirt/images/win11.qcow2"/><target dev="vda" bus="virtio"/></disk></devices>
    <test:runstate>5</test:runstate>
  </domain>
  <domain type="test">
    <name>nas</name><memory>1048576</memory>
    <os><type arch="x86_64" machine="q35">hvm</type></os>
    <devices><hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000" bus="0x02" slot="0x00" function="0x0"/></source></hostdev></devices>
  </domain>
  <domain type="test" xmlns:test="http://libvirt.org/schemas/domain/test/1.0">
    <name>gaming</name><memory>4194304</memory>
    <os><type arch="x86_64" machine="q35">hvm</type></os>
    <devices>
      <hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000" bus="0x01" slot="0x00" function="0x0"/></source></hostdev>
      <hostdev mode="subsystem" type="pci" managed="yes"><source><address domain="0x0000" bus="0x01" slot="0x00" function="0x1"/></source></hostdev>
    </devices>
    <test:runstate>5</test:runstate>
  </domain>
</node>
EOF
