// One AXI3 port of a verilated skipopu_processor, as pointers to its top-level fields
// (m_axi_NN_*), so a transactor can drive any port by index. Used by blocks.top=rtl
// (rtl_processor.cpp) and the processor's smoke testbench (tests/rtl/tb_processor.cpp).
#pragma once

#include "verilated.h"

namespace skipopu::rtl_sim {

struct PortIO {
  QData *araddr, *awaddr;
  CData *arid, *arlen, *arvalid, *arready, *awid, *awlen, *awvalid, *awready;
  CData *wlast, *wvalid, *wready, *rid, *rlast, *rresp, *rvalid, *rready, *bid, *bresp, *bvalid, *bready;
  VlWide<8>* rdata;
  // the read data's second lane (the core side of the clock crossing: the beat after r*'s)
  CData *r2id, *r2last, *r2resp, *r2valid, *r2ready;
  VlWide<8>* r2data;
};

}  // namespace skipopu::rtl_sim

// The PortIO of port n (two digits, as the generator names it) of the verilated model d.
#define SKIPOPU_PORT(d, n)                                                                                            \
  ::skipopu::rtl_sim::PortIO {                                                                                        \
    &d->m_axi_##n##_araddr, &d->m_axi_##n##_awaddr, &d->m_axi_##n##_arid, &d->m_axi_##n##_arlen,                      \
        &d->m_axi_##n##_arvalid, &d->m_axi_##n##_arready, &d->m_axi_##n##_awid, &d->m_axi_##n##_awlen,                \
        &d->m_axi_##n##_awvalid, &d->m_axi_##n##_awready, &d->m_axi_##n##_wlast, &d->m_axi_##n##_wvalid,              \
        &d->m_axi_##n##_wready, &d->m_axi_##n##_rid, &d->m_axi_##n##_rlast, &d->m_axi_##n##_rresp,                    \
        &d->m_axi_##n##_rvalid, &d->m_axi_##n##_rready, &d->m_axi_##n##_bid, &d->m_axi_##n##_bresp,                   \
        &d->m_axi_##n##_bvalid, &d->m_axi_##n##_bready, &d->m_axi_##n##_rdata, &d->m_axi_##n##_r2id,                  \
        &d->m_axi_##n##_r2last, &d->m_axi_##n##_r2resp, &d->m_axi_##n##_r2valid, &d->m_axi_##n##_r2ready,            \
        &d->m_axi_##n##_r2data                                                                                        \
  }
