/* common.h - TEMPORARY: ctxsw-cost.c still includes this name while another
 * helper edits it; it moves to ch03.h and sk_status_str in the same series. */
#ifndef CH03_COMMON_H
#define CH03_COMMON_H
#include "ch03.h"
#define s3_status_str sk_status_str
#endif
