/* vfio-probe: walk the VFIO type1 uAPI for one PCI device, as QEMU would.
 *
 * Usage: vfio-probe DOMAIN:BUS:DEV.FN
 *
 * Steps: find the IOMMU group from sysfs, open /dev/vfio/vfio (container),
 * VFIO_GET_API_VERSION, VFIO_CHECK_EXTENSION(TYPE1v2), open /dev/vfio/N,
 * VFIO_GROUP_GET_STATUS (must be viable), VFIO_GROUP_SET_CONTAINER,
 * VFIO_SET_IOMMU(TYPE1v2), VFIO_IOMMU_MAP_DMA + UNMAP_DMA of 1 MiB,
 * VFIO_GROUP_GET_DEVICE_FD, VFIO_DEVICE_GET_INFO, region info of the config
 * region, then pread() vendor/device from config space.
 *
 * Every output line starts with "VFIO-PROBE ". The last line is either
 *   VFIO-PROBE RESULT ok bdf=B group=N vendor=VVVV device=DDDD
 *   VFIO-PROBE RESULT fail bdf=B step=S errno=E (strerror)
 * Exit status 0 on ok, 1 on fail, 2 on usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>
#include <linux/vfio.h>

static const char *bdf;

static int fail(const char *step, int err)
{
    printf("VFIO-PROBE RESULT fail bdf=%s step=%s errno=%d (%s)\n",
           bdf, step, err, strerror(err));
    fflush(stdout);
    return 1;
}

int main(int argc, char **argv)
{
    char path[PATH_MAX], link[PATH_MAX];
    ssize_t n;
    int group_id, container, group, device, ret;

    if (argc != 2) {
        fprintf(stderr, "usage: %s DOMAIN:BUS:DEV.FN\n", argv[0]);
        return 2;
    }
    bdf = argv[1];
    setvbuf(stdout, NULL, _IOLBF, 0);

    snprintf(path, sizeof(path), "/sys/bus/pci/devices/%s/iommu_group", bdf);
    n = readlink(path, link, sizeof(link) - 1);
    if (n < 0)
        return fail("iommu_group_link", errno);
    link[n] = '\0';
    group_id = atoi(basename(link));

    container = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
    if (container < 0)
        return fail("open_container", errno);

    ret = ioctl(container, VFIO_GET_API_VERSION);
    printf("VFIO-PROBE api_version=%d\n", ret);
    if (ret != VFIO_API_VERSION)
        return fail("api_version", EINVAL);

    ret = ioctl(container, VFIO_CHECK_EXTENSION, VFIO_TYPE1v2_IOMMU);
    printf("VFIO-PROBE type1v2=%d\n", ret);
    if (ret <= 0)
        return fail("check_extension_type1v2", ret < 0 ? errno : ENOTSUP);

    snprintf(path, sizeof(path), "/dev/vfio/%d", group_id);
    group = open(path, O_RDWR | O_CLOEXEC);
    if (group < 0)
        return fail("open_group", errno);

    struct vfio_group_status gs = { .argsz = sizeof(gs) };
    if (ioctl(group, VFIO_GROUP_GET_STATUS, &gs))
        return fail("group_get_status", errno);
    int viable = !!(gs.flags & VFIO_GROUP_FLAGS_VIABLE);
    printf("VFIO-PROBE group=%d viable=%d\n", group_id, viable);
    if (!viable)
        return fail("group_not_viable", EPERM);

    if (ioctl(group, VFIO_GROUP_SET_CONTAINER, &container))
        return fail("group_set_container", errno);
    if (ioctl(container, VFIO_SET_IOMMU, VFIO_TYPE1v2_IOMMU))
        return fail("set_iommu", errno);

    /* Map and unmap 1 MiB of anonymous memory at IOVA 1 MiB. */
    size_t sz = 1 << 20;
    void *mem = mmap(NULL, sz, PROT_READ | PROT_WRITE,
                     MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED)
        return fail("mmap", errno);
    struct vfio_iommu_type1_dma_map map = {
        .argsz = sizeof(map),
        .flags = VFIO_DMA_MAP_FLAG_READ | VFIO_DMA_MAP_FLAG_WRITE,
        .vaddr = (uintptr_t)mem,
        .iova = 0x100000,
        .size = sz,
    };
    if (ioctl(container, VFIO_IOMMU_MAP_DMA, &map))
        return fail("map_dma", errno);
    struct vfio_iommu_type1_dma_unmap unmap = {
        .argsz = sizeof(unmap), .iova = 0x100000, .size = sz,
    };
    if (ioctl(container, VFIO_IOMMU_UNMAP_DMA, &unmap))
        return fail("unmap_dma", errno);
    printf("VFIO-PROBE dma map/unmap size=0x%zx iova=0x100000 unmapped=0x%llx ok\n",
           sz, (unsigned long long)unmap.size);

    device = ioctl(group, VFIO_GROUP_GET_DEVICE_FD, bdf);
    if (device < 0)
        return fail("get_device_fd", errno);

    struct vfio_device_info di = { .argsz = sizeof(di) };
    if (ioctl(device, VFIO_DEVICE_GET_INFO, &di))
        return fail("device_get_info", errno);
    printf("VFIO-PROBE device %s flags=0x%x pci=%d reset=%d regions=%u irqs=%u\n",
           bdf, di.flags, !!(di.flags & VFIO_DEVICE_FLAGS_PCI),
           !!(di.flags & VFIO_DEVICE_FLAGS_RESET), di.num_regions, di.num_irqs);
    if (!(di.flags & VFIO_DEVICE_FLAGS_PCI))
        return fail("not_pci", EINVAL);

    for (unsigned i = 0; i < di.num_regions; i++) {
        struct vfio_region_info ri = { .argsz = sizeof(ri), .index = i };
        if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &ri))
            continue;
        if (ri.size)
            printf("VFIO-PROBE region %u size=0x%llx flags=0x%x\n", i,
                   (unsigned long long)ri.size, ri.flags);
    }

    struct vfio_region_info cfg = {
        .argsz = sizeof(cfg), .index = VFIO_PCI_CONFIG_REGION_INDEX,
    };
    if (ioctl(device, VFIO_DEVICE_GET_REGION_INFO, &cfg))
        return fail("config_region_info", errno);
    uint16_t ids[2];
    n = pread(device, ids, sizeof(ids), (off_t)cfg.offset);
    if (n != (ssize_t)sizeof(ids))
        return fail("config_read", n < 0 ? errno : EIO);

    printf("VFIO-PROBE RESULT ok bdf=%s group=%d vendor=%04x device=%04x\n",
           bdf, group_id, ids[0], ids[1]);
    close(device);
    close(group);
    close(container);
    munmap(mem, sz);
    return 0;
}
