#ifndef GATEWAY_CSYSTEMD_SHIM_H
#define GATEWAY_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#endif
