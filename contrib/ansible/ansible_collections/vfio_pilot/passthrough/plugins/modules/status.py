#!/usr/bin/python
# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: status
short_description: After the reboot, verify that the handed-over devices are on vfio-pci
version_added: "0.1.0"
description:
  - Runs C(vfio-pilot status --json), which compares the last transaction with the running host,
    checking that the kernel arguments are active, each device on vfio-pci since boot, vfio-pci loaded, the group viable,
    the fallback boot entry present.
  - Fails when any of these checks fails, for example when a card is not on vfio-pci.
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
- name: Verify the passthrough configuration after the reboot
  vfio_pilot.passthrough.status:
  become: true
'''

RETURN = r'''
checks:
  description: The status checks (id, level pass/warn/fail, summary, fix).
  returned: always
  type: list
  elements: dict
failed_checks:
  description: The ids of the checks that failed.
  returned: always
  type: list
  elements: str
transaction:
  description: The transaction that status compared with the host.
  returned: when there is one
  type: dict
'''

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.vfio_pilot.passthrough.plugins.module_utils.vfio_pilot import (
    COMMON_ARGS, EXIT_FAIL, run, reason)


def main():
    module = AnsibleModule(argument_spec=dict(COMMON_ARGS), supports_check_mode=True)
    rc, doc, err = run(module, 'status')
    if doc is None or rc not in (0, EXIT_FAIL) or 'checks' not in doc:
        module.fail_json(msg=reason(doc, err), rc=rc)
    checks = doc.get('checks', [])
    failed = [c['id'] for c in checks if c.get('level') == 'fail']
    result = dict(changed=False, checks=checks, failed_checks=failed, transaction=doc.get('transaction'))
    if failed or rc != 0:
        bad = [c for c in checks if c.get('level') == 'fail']
        msg = '; '.join('%s: %s' % (c['id'], c.get('summary') or '') for c in bad) or reason(doc, err)
        module.fail_json(msg=msg, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
