#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: facts
short_description: IOMMU groups, cards and readiness checks of a host, from vfio-pilot
version_added: "0.1.0"
description:
  - Runs C(vfio-pilot list --json) and C(vfio-pilot check --json) and returns them as the fact
    C(vfio_pilot), so that plays can choose cards and hosts from what the host really has.
  - Changes nothing; check mode is supported.
options:
  root:
    description: The host tree to read (C(vfio-pilot --root)).
    type: path
    default: /
  binary:
    description: The vfio-pilot program.
    type: path
    default: vfio-pilot
author:
  - vfio-pilot developers
'''

EXAMPLES = r'''
- name: Read the IOMMU groups and checks
  vfio_pilot.passthrough.facts:

- name: Show the cards that can be handed over
  ansible.builtin.debug:
    msg: "{{ ansible_facts.vfio_pilot.cards_isolated }}"
'''

RETURN = r'''
ansible_facts:
  description: Facts under the key vfio_pilot.
  returned: always
  type: complex
  contains:
    vfio_pilot:
      description: iommu (active, vendor, groups, reason), groups (as C(list --json)), cards_isolated
        (the card addresses whose group holds nothing else), checks (id, level, summary, fix) and ready
        (no check failed).
      type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.passthrough.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, EXIT_FAIL, run, reason)


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    rc, lst, err = run(module, 'list')
    if rc != 0 or lst is None:
        module.fail_json(msg=reason(lst, err), rc=rc)
    rc, chk, err = run(module, 'check')
    if rc not in (0, EXIT_FAIL) or chk is None:
        module.fail_json(msg=reason(chk, err), rc=rc)
    groups = lst.get('groups', [])
    facts = dict(
        iommu=lst.get('iommu'),
        groups=groups,
        ungrouped=lst.get('ungrouped', []),
        cards_isolated=sorted(g['card'] for g in groups if g.get('isolated') and g.get('card')),
        checks=chk.get('checks', []),
        ready=rc == 0,
    )
    module.exit_json(changed=False, ansible_facts=dict(vfio_pilot=facts))


if __name__ == '__main__':
    main()
