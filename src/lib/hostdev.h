/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * libvirt <hostdev> elements for the functions of a card, built with libxml2
 * (kernel-facts.md §6):
 *
 *   <hostdev mode='subsystem' type='pci' managed='yes'>
 *     <driver name='vfio'/>
 *     <source><address domain='0x0000' bus='0x01' slot='0x00' function='0x0'/></source>
 *     <rom file='/abs/path.rom'/>                         (display functions, --rom-file)
 *     <address type='pci' domain='0x0000' bus='0x00' slot='0x06' function='0x0' multifunction='on'/>
 *   </hostdev>
 *
 * Also the insertion into and removal from a whole domain definition, used by
 * attach and detach. Pure: no host access beyond the model given.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "host.h"
#include "util.h"

enum vp_rom_bar { VP_ROM_BAR_DEFAULT = -1, VP_ROM_BAR_OFF = 0, VP_ROM_BAR_ON = 1 };

struct vp_hostdev_opts {
	int guest_slot;           /* first guest slot on bus 0 (1..31); -1: libvirt chooses */
	const char *rom_file;     /* absolute path, or NULL */
	enum vp_rom_bar rom_bar;
};

/* One <hostdev>, fully decided. */
struct vp_hostdev {
	char addr[VP_PCI_ADDR_LEN];       /* host source address */
	int guest_slot, guest_function;   /* -1 when libvirt chooses */
	bool multifunction;               /* multifunction='on' on the guest address */
	bool display;                     /* a display-class function (gets the <rom> element) */
	const char *rom_file;             /* borrowed from the options */
	enum vp_rom_bar rom_bar;
};

/*
 * Lays out every function of the cards in slots (as from vp_select_cards),
 * card after card. With a guest slot, card k takes guest slot N+k on bus 0 and
 * its functions keep their function numbers; function 0 gets multifunction='on'
 * when the card has several functions. Returns -EINVAL with *ret_err set (one
 * line) for a relative ROM path, a guest slot outside 1..31 or running past 31,
 * or --rom-file together with --rom-bar off.
 */
int vp_hostdev_plan(const struct vp_host *h, char *const *slots, const struct vp_hostdev_opts *o,
		    struct vp_hostdev **ret, size_t *ret_n, char **ret_err);

/* The element as text, indented by `indent` spaces, ending in a newline. Newly allocated. */
char *vp_hostdev_format(const struct vp_hostdev *hd, int indent);

/*
 * Notes about the cards themselves: libvirt detaches only the listed functions,
 * so other endpoints of a card's IOMMU group that keep a host driver make QEMU
 * fail with "group N is not viable"; and a boot VGA card leaves the host
 * without its console while the guest runs. NULL-terminated, newly allocated.
 */
char **vp_hostdev_card_notes(const struct vp_host *h, char *const *slots);

/* Notes a user needs about these options (the UEFI caveat of rom bar='off'). NULL-terminated, newly allocated. */
char **vp_hostdev_notes(const struct vp_hostdev_opts *o);

/*
 * Adds the hostdevs to a domain XML document. Refuses (-EEXIST, *ret_err set)
 * when the domain already has a hostdev with one of those source addresses.
 * Returns the new document text in *ret_xml. -EINVAL when xml does not parse
 * or has no <domain> root.
 */
int vp_domain_xml_add_hostdevs(const char *xml, const struct vp_hostdev *hds, size_t n, char **ret_xml, char **ret_err);

/*
 * Removes the PCI hostdevs whose source address is in addrs. *ret_removed gets
 * the removed addresses in document order (empty when none matched) and
 * *ret_removed_xml each removed element's text (for a live detach).
 */
int vp_domain_xml_remove_hostdevs(const char *xml, char *const *addrs, char **ret_xml, char ***ret_removed,
				  char ***ret_removed_xml);

struct vp_virt;

/*
 * attach: adds the hostdevs to the persistent definition of domain through v
 * (fetch with VIR_DOMAIN_XML_INACTIVE, insert, define). With live and a running
 * domain, also hot-plugs each one; if that fails the old definition is defined
 * again (and devices hot-plugged so far are unplugged). *ret_live tells whether
 * hot-plug happened. Errors, each with *ret_err set to one line:
 *   -ENOENT no such domain; -EBUSY another domain already has one of the
 *   addresses; -EEXIST this domain already has one; -EINVAL libvirt refused the
 *   new definition (nothing changed); -EOPNOTSUPP/-EIO hot-plug failed and the
 *   definition was restored; -ENOTRECOVERABLE restoring failed too.
 */
int vp_domain_attach(struct vp_virt *v, const char *domain, const struct vp_hostdev *hds, size_t n, bool live,
		     char ***ret_added, bool *ret_live, char **ret_err);
/*
 * detach: removes the PCI hostdevs with these source addresses from the
 * persistent definition (and, with live and a running domain, unplugs them
 * first). *ret_removed lists what was removed (possibly nothing). Errors as
 * for vp_domain_attach.
 */
int vp_domain_detach(struct vp_virt *v, const char *domain, char *const *addrs, bool live, char ***ret_removed,
		     bool *ret_live, char **ret_err);
