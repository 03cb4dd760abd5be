/*
 * jOuroboros - Java binding of the Ouroboros recursive network
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Error codes: the Linux errno values plus the Ouroboros codes, with the
 * values of Ouroboros's errno.h (our own declaration of those ABI facts).
 * Hot paths return -code; Java maps codes to exceptions (Errors.java) and
 * takes the numbers from errors.c through Native.constant(), once.
 */
#ifndef JOUR_ERRORS_H
#define JOUR_ERRORS_H

#include <errno.h>

#define ENOTALLOC    1000 /* flow is not allocated            */
#define EIPCPTYPE    1001 /* unknown IPCP type                */
#define EIRMD        1002 /* failed to reach the IRMd         */
#define EIPCP        1003 /* failed to reach the IPCP         */
#define EIPCPSTATE   1004 /* target in wrong state            */
#define EFLOWDOWN    1005 /* flow is down                     */
#define EFLOWPEER    1006 /* flow is down: peer timed out     */
#define ENAME        1007 /* naming error                     */
#define ECRYPT       1008 /* encryption error                 */
#define EOAUTH       1009 /* authentication error (EAUTH)     */

/* Ours, never returned by Ouroboros. */
#define EJOUR_WOKEN  1100 /* woken by close from another thread */
#define EJOUR_PROTO  1101 /* peer broke the embedded protocol   */
#define EJOUR_VERSION 1102 /* library version mismatch          */

const char * jour_strerror(int code);

#endif /* JOUR_ERRORS_H */
