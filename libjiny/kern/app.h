/* app.h - starting the HP app (kern/app.c). */
#ifndef JINY_APP_H
#define JINY_APP_H
#include "kern/cmdline.h"
void app_start(const struct cmdline *cl);
void app_exit(int status) __noreturn; /* exit_group of the HP app: power off with status */
#endif
