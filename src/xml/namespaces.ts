export const VOS_NS = 'http://www.ivoa.net/xml/VOSpace/v2.0';
/** pyvospace and its clients write this (non-standard) namespace; we read it as the standard one. */
export const VOS_NS_PYVOSPACE = 'http://www.ivoa.net/xml/VOSpace/v2.1';
export const XSI_NS = 'http://www.w3.org/2001/XMLSchema-instance';
export const UWS_NS = 'http://www.ivoa.net/xml/UWS/v1.0';
export const XLINK_NS = 'http://www.w3.org/1999/xlink';
export const VOSI_CAP_NS = 'http://www.ivoa.net/xml/VOSICapabilities/v1.0';
export const VOSI_AVAIL_NS = 'http://www.ivoa.net/xml/VOSIAvailability/v1.0';
export const VS_NS = 'http://www.ivoa.net/xml/VODataService/v1.1';

/** Namespaces read as VOSpace: the standard one, pyvospace's, and none at all (naive clients). */
export const isVosNs = (ns: string) => ns === VOS_NS || ns === VOS_NS_PYVOSPACE || ns === '';
