#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: devices
short_description: Hand PCI devices to vfio-pci at boot, or give them back, with vfio-pilot
version_added: "0.1.0"
description:
  - Runs C(vfio-pilot apply) (I(state=present)) or C(vfio-pilot release) (I(state=absent)) on the
    target. vfio-pilot plans the kernel arguments, the modprobe.d and initramfs configuration for the
    target's distribution and boot loader, and applies them as one transaction that C(vfio-pilot undo)
    reverts exactly.
  - The handed-over set adds up, so one task per card, or one task for all cards, both work.
  - In check mode the module runs C(vfio-pilot plan) and changes nothing.
  - In diff mode the file diffs of the plan are returned.
  - A refusal (the boot display, a group shared with other devices, a device the host needs) or a
    blocker fails the task with vfio-pilot's own reason.
options:
  devices:
    description:
      - PCI addresses (C(0000:01:00.0), C(01:00.0)), card addresses (C(0000:01:00)) or vendor:device
        ids (C(10de:2204)). Each names its whole card.
    type: list
    elements: str
    required: true
  state:
    description:
      - C(present) hands the devices over at boot; C(absent) gives them back to their host drivers.
    type: str
    choices: [present, absent]
    default: present
  iommu_pt:
    description: Add C(iommu=pt) to the kernel arguments.
    type: bool
    default: false
  allow_host_gpu:
    description: Allow handing over the boot display or the last display (single-GPU setups run over SSH).
    type: bool
    default: false
  allow_host_device:
    description: Allow handing over a device the host needs (the disk that holds a mounted file system, the NIC of the default route).
    type: bool
    default: false
  whole_group:
    description: Take every device of a shared IOMMU group along.
    type: bool
    default: false
  root:
    description: The host tree to work on (C(vfio-pilot --root)); C(/) is the target itself.
    type: path
    default: /
  binary:
    description: The vfio-pilot program.
    type: path
    default: vfio-pilot
notes:
  - "Needs root on the target (C(become: true))."
  - A reboot is needed before the devices are on vfio-pci; I(reboot_required) says so.
author:
  - vfio-pilot developers
'''

EXAMPLES = r'''
- name: Hand the second GPU to vfio-pci
  vfio_pilot.passthrough.devices:
    devices: ["0000:01:00.0"]
    iommu_pt: true
  become: true
  register: vp

- name: Reboot into the new configuration
  ansible.builtin.reboot:
  when: vp.reboot_required

- name: Give a card back to its host driver
  vfio_pilot.passthrough.devices:
    devices: ["10de:2204"]
    state: absent
  become: true
'''

RETURN = r'''
changed:
  description: True only when a transaction was applied.
  returned: always
  type: bool
transaction:
  description: The transaction (id, result, commands that ran), as C(vfio-pilot apply --json) reports it.
  returned: when not in check mode
  type: dict
  sample: {"id": "0001", "result": "applied", "ran": ["update-grub"]}
plan:
  description: The plan (devices, kernel arguments, changes, warnings, notes), as C(vfio-pilot plan --json) prints it.
  returned: always
  type: dict
reboot_required:
  description: True when the applied (or, in check mode, planned) change takes effect only after a reboot.
  returned: always
  type: bool
warnings_vfio_pilot:
  description: vfio-pilot's warnings about the plan.
  returned: always
  type: list
  elements: str
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.passthrough.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, EXIT_PERM, run, reason, file_diffs)


def options(p):
    out = []
    for flag, key in (('--iommu-pt', 'iommu_pt'), ('--allow-host-gpu', 'allow_host_gpu'),
                      ('--allow-host-device', 'allow_host_device'), ('--whole-group', 'whole_group')):
        if p.get(key):
            out.append(flag)
    return out


def main():
    spec = dict(
        devices=dict(type='list', elements='str', required=True),
        state=dict(type='str', choices=['present', 'absent'], default='present'),
        iommu_pt=dict(type='bool', default=False),
        allow_host_gpu=dict(type='bool', default=False),
        allow_host_device=dict(type='bool', default=False),
        whole_group=dict(type='bool', default=False),
    )
    spec.update(COMMON_ARGS)
    module = AnsibleModule(argument_spec=spec, supports_check_mode=True)
    p = module.params
    if not p['devices']:
        module.fail_json(msg='devices: name at least one device')
    present = p['state'] == 'present'
    opts = options(p) if present else []
    # What would change: plan for present, release's own plan (no --yes) for absent.
    verb = ['plan'] if present else ['release', '--dry-run']
    rc, plan, err = run(module, *(verb + opts + ['--'] + p['devices']))
    if plan is None or rc not in (0,):
        module.fail_json(msg=reason(plan, err), rc=rc, plan=plan)
    changes = plan.get('changes', [])
    result = dict(changed=bool(changes), plan=plan, reboot_required=bool(changes),
                  warnings_vfio_pilot=plan.get('warnings', []))
    if module._diff:
        result['diff'] = file_diffs(plan)
    if module.check_mode or not changes:
        module.exit_json(**result)
    verb = ['apply', '--yes'] if present else ['release', '--yes']
    rc, doc, err = run(module, *(verb + opts + ['--'] + p['devices']))
    tx = (doc or {}).get('transaction') or {}
    result['transaction'] = tx
    if rc == EXIT_PERM:
        module.fail_json(msg='vfio-pilot needs root on the target: ' + reason(doc, err), **result)
    if rc != 0 or tx.get('result') not in ('applied', 'unchanged'):
        module.fail_json(msg=reason(doc, err), rc=rc, **result)
    result['changed'] = tx.get('result') == 'applied'
    result['reboot_required'] = result['changed']
    module.exit_json(**result)


if __name__ == '__main__':
    main()
