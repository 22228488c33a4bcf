#ifndef GATEWAY_CNATS_SHIM_H
#define GATEWAY_CNATS_SHIM_H
#include <nats/nats.h>
#endif
