/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * Data: AMD GPUs known for the "AMD reset bug" (the card does not come back after a guest
 * stops: FLR is missing or broken and a bus reset leaves the SMU/PSP hung), one row per PCI
 * device id, each with the public source that documents it. Only data lives here; reset.c
 * looks rows up. To add a card: one row, with a source a reader can open.
 *
 * Source of every row below: vendor-reset's device table (src/device-db.h at the commit named
 * in SRC_VR), the list of devices whose reset vendor-reset replaces, and its README's
 * "Supported Devices" table, which names the families and their common names. vendor-reset lists
 * the Ryzen APUs' graphics under its Navi 10 method (164c also under Vega 20); here they are one
 * row group of their own, named as its README names them.
 */
#include "reset.h"

#include <stddef.h>

#define SRC_VR "https://github.com/gnif/vendor-reset/blob/03e525d31ed260e0e409a0a33a21bcffd286e5a7/src/device-db.h"

const struct vp_reset_bug_entry vp_reset_bug_table[] = {
	/* Polaris 10: RX 470/480/570/580/590 */
	{ 0x1002, 0x67c0, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c1, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c2, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c4, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c7, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67d0, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67df, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c8, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67c9, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67ca, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67cc, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x67cf, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	{ 0x1002, 0x6fdf, "Polaris 10", "RX 470/480/570/580/590", SRC_VR },
	/* Polaris 11: RX 460/560 */
	{ 0x1002, 0x67e0, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67e3, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67e8, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67eb, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67ef, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67ff, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67e1, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67e7, "Polaris 11", "RX 460/560", SRC_VR },
	{ 0x1002, 0x67e9, "Polaris 11", "RX 460/560", SRC_VR },
	/* Polaris 12: RX 540/550 */
	{ 0x1002, 0x6980, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6981, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6985, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6986, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6987, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6995, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x6997, "Polaris 12", "RX 540/550", SRC_VR },
	{ 0x1002, 0x699f, "Polaris 12", "RX 540/550", SRC_VR },
	/* Vega 10: Vega 56/64/Frontier Edition */
	{ 0x1002, 0x6860, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6861, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6862, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6863, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6864, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6867, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6868, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x6869, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686a, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686b, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686c, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686d, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686e, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x686f, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	{ 0x1002, 0x687f, "Vega 10", "Vega 56/64/Frontier Edition", SRC_VR },
	/* Vega 20: Radeon VII, Instinct MI50/MI60 */
	{ 0x1002, 0x66a0, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66a1, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66a2, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66a3, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66a4, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66a7, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	{ 0x1002, 0x66af, "Vega 20", "Radeon VII, Instinct MI50/MI60", SRC_VR },
	/* Navi 10: RX 5600 XT/5700/5700 XT */
	{ 0x1002, 0x7310, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x7312, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x7318, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x7319, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x731a, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x731b, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x731e, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	{ 0x1002, 0x731f, "Navi 10", "RX 5600 XT/5700/5700 XT", SRC_VR },
	/* Ryzen APU graphics, which vendor-reset resets with its Navi 10 method (README: "780M Phoenix1",
	 * "2400GE Vega 11", "5700U Vega 8"): Phoenix, Raven Ridge, Barcelo, Renoir, Cezanne, Lucienne */
	{ 0x1002, 0x15bf, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x15dd, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x15de, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x15e7, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x1636, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x1638, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	{ 0x1002, 0x164c, "Ryzen APU graphics", "Raven Ridge/Renoir/Cezanne/Lucienne/Barcelo/Phoenix iGPU", SRC_VR },
	/* Navi 14: RX 5300/5500 XT, Pro 5300 */
	{ 0x1002, 0x7340, "Navi 14", "RX 5300/5500 XT, Pro 5300", SRC_VR },
	{ 0x1002, 0x7341, "Navi 14", "RX 5300/5500 XT, Pro 5300", SRC_VR },
	{ 0x1002, 0x7347, "Navi 14", "RX 5300/5500 XT, Pro 5300", SRC_VR },
	{ 0x1002, 0x734f, "Navi 14", "RX 5300/5500 XT, Pro 5300", SRC_VR },
	/* Navi 12: Pro 5600M */
	{ 0x1002, 0x7360, "Navi 12", "Pro 5600M", SRC_VR },
	{ 0x1002, 0x7362, "Navi 12", "Pro 5600M", SRC_VR },
	/* Navi 23: RX 6600/6600 XT/6600M */
	{ 0x1002, 0x73ff, "Navi 23", "RX 6600/6600 XT/6600M", SRC_VR },
	/* Arcturus: Instinct MI100 */
	{ 0x1002, 0x738c, "Arcturus", "Instinct MI100", SRC_VR },
};
const size_t vp_reset_bug_table_len = sizeof(vp_reset_bug_table) / sizeof(vp_reset_bug_table[0]);
