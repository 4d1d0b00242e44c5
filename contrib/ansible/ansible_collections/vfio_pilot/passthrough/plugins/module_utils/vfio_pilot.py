# -*- coding: utf-8 -*-
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Runs the vfio-pilot binary on the target with --json; the modules keep no logic of their own."""

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json

# vfio-pilot's exit codes (README, vfio-pilot(8)).
EXIT_OK, EXIT_FAIL, EXIT_USAGE, EXIT_ROLLBACK, EXIT_PERM, EXIT_REFUSED = 0, 1, 2, 3, 4, 5

COMMON_ARGS = dict(
    root=dict(type='path', default='/'),
    binary=dict(type='path', default='vfio-pilot'),
)


def run(module, *args):
    """Runs `vfio-pilot --root ROOT --json ARGS...`; returns (rc, document or None, stderr)."""
    binary = module.get_bin_path(module.params['binary'], required=True) \
        if '/' not in module.params['binary'] else module.params['binary']
    cmd = [binary, '--root', module.params['root'], '--json'] + list(args)
    rc, out, err = module.run_command(cmd, environ_update=dict(LC_ALL='C', NO_COLOR='1'))
    doc = None
    if out.strip():
        try:
            doc = json.loads(out)
        except ValueError:
            module.fail_json(msg='vfio-pilot printed no JSON document', cmd=cmd, rc=rc, stdout=out, stderr=err)
    return rc, doc, err.strip()


def reason(doc, err):
    """vfio-pilot's own words for a refusal or error: its blockers, its error line, or stderr."""
    if doc:
        if doc.get('blockers'):
            return '; '.join(doc['blockers'])
        tx = doc.get('transaction') or {}
        if tx.get('error'):
            return tx['error']
        e = doc.get('error')
        if isinstance(e, dict) and e.get('message'):
            return e['message']
        if isinstance(e, str):
            return e
    return err or 'vfio-pilot failed without a message'


def file_diffs(doc):
    """Ansible's diff list from a plan's file changes (unified diffs as vfio-pilot prints them)."""
    out = []
    for c in (doc or {}).get('changes', []):
        if c.get('kind') == 'file' and c.get('diff'):
            out.append(dict(before_header=c['path'], after_header=c['path'], prepared=c['diff']))
    return out
