/* scap_format.h: block types and layout constants of the scap file format (facts, no code). */
#ifndef LANNER_SCAP_FORMAT_H
#define LANNER_SCAP_FORMAT_H

#include <stdint.h>

/*
 * Every block: u32 type, u32 total length (header, body, padding to 4 bytes and
 * trailer included), body, u32 total length again. All integers little-endian
 * (host order; the section header's magic tells the byte order, and only
 * little-endian captures exist in practice).
 */
#define SCAP_BT_SHB 0x0A0D0D0Au
#define SCAP_SHB_MAGIC 0x1A2B3C4Du

#define SCAP_BT_MI 0x201u
#define SCAP_BT_MI_INT 0x8002ABCDu
#define SCAP_BT_PL_V1 0x202u
#define SCAP_BT_PL_V1_INT 0x8000ABCDu
#define SCAP_BT_PL_V2 0x207u
#define SCAP_BT_PL_V2_INT 0x8013ABCDu
#define SCAP_BT_PL_V3 0x209u
#define SCAP_BT_PL_V3_INT 0x8014ABCDu
#define SCAP_BT_PL_V4 0x210u
#define SCAP_BT_PL_V5 0x211u
#define SCAP_BT_PL_V6 0x212u
#define SCAP_BT_PL_V7 0x213u
#define SCAP_BT_PL_V8 0x214u
#define SCAP_BT_PL_V9 0x215u
#define SCAP_BT_FDL 0x203u
#define SCAP_BT_FDL_INT 0x8001ABCDu
#define SCAP_BT_FDL_V2 0x218u
#define SCAP_BT_EV 0x204u
#define SCAP_BT_EV_INT 0x8010ABCDu
#define SCAP_BT_EV_V2 0x216u
#define SCAP_BT_EV_V2_LARGE 0x221u
#define SCAP_BT_EVF 0x208u
#define SCAP_BT_EVF_V2 0x217u
#define SCAP_BT_EVF_V2_LARGE 0x222u
#define SCAP_BT_IL 0x205u
#define SCAP_BT_IL_INT 0x8011ABCDu
#define SCAP_BT_IL_V2 0x219u
#define SCAP_BT_UL 0x206u
#define SCAP_BT_UL_INT 0x8012ABCDu
#define SCAP_BT_UL_V2 0x220u

#define SCAP_USERBLOCK_USER 0
#define SCAP_USERBLOCK_GROUP 1

/* Event header sizes: v1 (format 1.0/1.1 EV/EVF blocks) has no parameter count. */
#define SCAP_EVT_HDR_V1 22u /* u64 ts, u64 tid, u32 len, u16 type */
#define SCAP_EVT_HDR_V2 26u /* ... u32 nparams */
/* Size of the machine-info body (packed scap_machine_info of libs 0.x). */
#define SCAP_MI_LEN 180u

enum scap_block_kind {
	SCAP_BK_OTHER,
	SCAP_BK_SHB,
	SCAP_BK_MI,
	SCAP_BK_PL,
	SCAP_BK_FDL,
	SCAP_BK_IL,
	SCAP_BK_UL,
	SCAP_BK_EV
};

static inline enum scap_block_kind scap_bt_kind(uint32_t bt)
{
	switch (bt) {
	case SCAP_BT_SHB:
		return SCAP_BK_SHB;
	case SCAP_BT_MI:
	case SCAP_BT_MI_INT:
		return SCAP_BK_MI;
	case SCAP_BT_PL_V1:
	case SCAP_BT_PL_V1_INT:
	case SCAP_BT_PL_V2:
	case SCAP_BT_PL_V2_INT:
	case SCAP_BT_PL_V3:
	case SCAP_BT_PL_V3_INT:
	case SCAP_BT_PL_V4:
	case SCAP_BT_PL_V5:
	case SCAP_BT_PL_V6:
	case SCAP_BT_PL_V7:
	case SCAP_BT_PL_V8:
	case SCAP_BT_PL_V9:
		return SCAP_BK_PL;
	case SCAP_BT_FDL:
	case SCAP_BT_FDL_INT:
	case SCAP_BT_FDL_V2:
		return SCAP_BK_FDL;
	case SCAP_BT_IL:
	case SCAP_BT_IL_INT:
	case SCAP_BT_IL_V2:
		return SCAP_BK_IL;
	case SCAP_BT_UL:
	case SCAP_BT_UL_INT:
	case SCAP_BT_UL_V2:
		return SCAP_BK_UL;
	case SCAP_BT_EV:
	case SCAP_BT_EV_INT:
	case SCAP_BT_EV_V2:
	case SCAP_BT_EV_V2_LARGE:
	case SCAP_BT_EVF:
	case SCAP_BT_EVF_V2:
	case SCAP_BT_EVF_V2_LARGE:
		return SCAP_BK_EV;
	default:
		return SCAP_BK_OTHER;
	}
}

/* Process-list block version 1..9. */
static inline int scap_pl_version(uint32_t bt)
{
	switch (bt) {
	case SCAP_BT_PL_V1:
	case SCAP_BT_PL_V1_INT:
		return 1;
	case SCAP_BT_PL_V2:
	case SCAP_BT_PL_V2_INT:
		return 2;
	case SCAP_BT_PL_V3:
	case SCAP_BT_PL_V3_INT:
		return 3;
	default:
		return (int)(bt - SCAP_BT_PL_V4) + 4; /* 0x210..0x215 -> 4..9 */
	}
}

static inline int scap_bt_is_ev_v2(uint32_t bt)
{
	return bt == SCAP_BT_EV_V2 || bt == SCAP_BT_EV_V2_LARGE || bt == SCAP_BT_EVF_V2 ||
	       bt == SCAP_BT_EVF_V2_LARGE;
}

static inline int scap_bt_is_ev_large(uint32_t bt)
{
	return bt == SCAP_BT_EV_V2_LARGE || bt == SCAP_BT_EVF_V2_LARGE;
}

static inline int scap_bt_is_evf(uint32_t bt)
{
	return bt == SCAP_BT_EVF || bt == SCAP_BT_EVF_V2 || bt == SCAP_BT_EVF_V2_LARGE;
}

#endif
