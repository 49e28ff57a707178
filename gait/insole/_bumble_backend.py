"""A bleak backend on bumble's in-process ``LocalLink``: real GATT, no radio, no kernel.

``BleakScanner(..., backend=...)`` and ``BleakClient(..., backend=...)`` accept any
``BaseBleakScanner`` / ``BaseBleakClient`` subclass. :func:`make_backend` binds a bumble central
device (a software controller on a :class:`bumble.link.LocalLink`) into two such classes, so
the unmodified production code of :mod:`gait.insole._ble` talks ATT/GATT over bumble's stack to the
virtual insoles of :mod:`gait.insole._virtual`. Used by tests and by ``gait simulate``.

Traps handled here (see the gait reference, section 6):

* bumble's emulated controller never completes a cancelled connection attempt, so a timed-out
  connect would hang and block later connects; :class:`CancellableController` completes it.
* the emulator repeats advertising data as the scan response: service UUIDs are deduplicated.
* the MTU starts at 23 and bumble's server silently truncates notifications to MTU - 3 bytes,
  so :meth:`BumbleClient.connect` negotiates the MTU like BlueZ/CoreBluetooth do.
* bumble errors become ``TimeoutError``, ``BleakGATTProtocolError`` and ``BleakError``.
* only one LE connection may be pending per controller: connects are serialised.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from gait.exceptions import MissingExtraError

try:
    from bleak.backends.characteristic import BleakGATTCharacteristic
    from bleak.backends.client import BaseBleakClient
    from bleak.backends.descriptor import BleakGATTDescriptor
    from bleak.backends.device import BLEDevice
    from bleak.backends.scanner import AdvertisementData, BaseBleakScanner
    from bleak.backends.service import BleakGATTService, BleakGATTServiceCollection
    from bleak.exc import BleakError, BleakGATTProtocolError
    from bumble import core, hci
    from bumble.att import ATT_Error
    from bumble.controller import Controller
    from bumble.device import Device, Peer
    from bumble.gatt import Characteristic
    from bumble.host import Host
    from bumble.link import LocalLink
    from bumble.transport.common import AsyncPipeSink
except ImportError as _err:  # pragma: no cover - exercised only without the extra
    raise MissingExtraError("ble", _err.name or "bleak/bumble") from _err

__all__ = [
    "CancellableController",
    "BumbleCentral",
    "BleBackend",
    "make_backend",
    "new_bumble_device",
    "parse_address",
]

logger = logging.getLogger(__name__)

#: The MTU the client negotiates (BlueZ asks for 517 as well).
_CLIENT_MTU = 517

_PROPERTY_NAMES = {
    Characteristic.Properties.BROADCAST: "broadcast",
    Characteristic.Properties.READ: "read",
    Characteristic.Properties.WRITE_WITHOUT_RESPONSE: "write-without-response",
    Characteristic.Properties.WRITE: "write",
    Characteristic.Properties.NOTIFY: "notify",
    Characteristic.Properties.INDICATE: "indicate",
    Characteristic.Properties.AUTHENTICATED_SIGNED_WRITES: "authenticated-signed-writes",
    Characteristic.Properties.EXTENDED_PROPERTIES: "extended-properties",
}


class CancellableController(Controller):
    """bumble's emulated controller, completing cancelled LE connection attempts.

    Per the Core spec (Vol 4, Part E, 7.8.13) a successful *LE Create Connection Cancel* is
    followed by an *LE Connection Complete* event with status *Unknown Connection
    Identifier*; the emulator omits it, so the host waits forever and refuses new connects.
    """

    def on_hci_le_create_connection_cancel_command(self, command):
        result = super().on_hci_le_create_connection_cancel_command(command)
        pending = self.pending_le_connection
        if pending is not None:
            self.pending_le_connection = None
            # After the Command Complete this handler's return value produces.
            asyncio.get_running_loop().call_soon(
                self.send_hci_packet,
                hci.HCI_LE_Connection_Complete_Event(
                    status=hci.HCI_ErrorCode.UNKNOWN_CONNECTION_IDENTIFIER_ERROR,
                    connection_handle=0,
                    role=hci.Role.CENTRAL,
                    peer_address_type=pending.peer_address.address_type,
                    peer_address=pending.peer_address,
                    connection_interval=0,
                    peripheral_latency=0,
                    supervision_timeout=0,
                    central_clock_accuracy=0,
                ),
            )
        return result


def new_bumble_device(link: LocalLink, name: str, address: str) -> Device:
    """A bumble :class:`Device` on ``link`` with its own software controller.

    Must be called inside the running event loop (the controller needs it).

    Parameters
    ----------
    link : LocalLink
    name : str
    address : str
        Static random address ``"XX:XX:XX:XX:XX:XX"`` (top two bits set).
    """
    controller = CancellableController(name, link=link)
    host = Host(controller, AsyncPipeSink(controller))
    return Device(name=name, address=hci.Address(address), host=host)


def parse_address(address: str | BLEDevice) -> hci.Address:
    """bumble address of a ``BLEDevice`` (its ``details``) or of a string (``/P`` = public)."""
    if isinstance(address, BLEDevice):
        if isinstance(address.details, hci.Address):
            return address.details
        address = address.address
    if address.endswith("/P"):
        return hci.Address(address[:-2], hci.Address.PUBLIC_DEVICE_ADDRESS)
    return hci.Address(address, hci.Address.RANDOM_DEVICE_ADDRESS)


class BumbleCentral:
    """The central side: one bumble device shared by every scanner and client.

    Parameters
    ----------
    device : Device
        A powered-on bumble device (see :meth:`create`).
    """

    def __init__(self, device: Device) -> None:
        self.device = device
        self.connect_lock = asyncio.Lock()
        self._scan_users = 0

    @classmethod
    async def create(
        cls, link: LocalLink, name: str = "central", address: str = "C0:00:00:00:00:01"
    ) -> BumbleCentral:
        """Create and power on a central on ``link``."""
        device = new_bumble_device(link, name, address)
        await device.power_on()
        return cls(device)

    async def acquire_scan(self) -> None:
        """Start scanning if no scanner is active (scanners share the controller)."""
        self._scan_users += 1
        if self._scan_users == 1:
            await self.device.start_scanning(filter_duplicates=False)

    async def release_scan(self) -> None:
        """Stop scanning when the last scanner stops."""
        self._scan_users = max(0, self._scan_users - 1)
        if self._scan_users == 0 and self.device.is_scanning:
            await self.device.stop_scanning()


@dataclass(frozen=True)
class BleBackend:
    """A scanner and a client backend class to pass as bleak's ``backend=``."""

    scanner: type[BaseBleakScanner]
    client: type[BaseBleakClient]


def _translate(err: BaseException) -> BaseException:
    if isinstance(err, core.TimeoutError | asyncio.TimeoutError):
        return TimeoutError(str(err) or "BLE operation timed out")
    if isinstance(err, ATT_Error):
        return BleakGATTProtocolError(int(err.error_code))
    return BleakError(f"{type(err).__name__}: {err}")


class BumbleScanner(BaseBleakScanner):
    """bleak scanner backend listening to bumble advertisements (bound by :func:`make_backend`)."""

    central: BumbleCentral

    def __init__(
        self,
        detection_callback: Any,
        service_uuids: list[str] | None,
        scanning_mode: str = "active",
        **kwargs: Any,
    ) -> None:
        super().__init__(detection_callback, service_uuids)
        self._listening = False

    async def start(self) -> None:
        self.seen_devices = {}
        self.central.device.on("advertisement", self._on_advertisement)
        self._listening = True
        await self.central.acquire_scan()

    async def stop(self) -> None:
        if self._listening:
            self.central.device.remove_listener("advertisement", self._on_advertisement)
            self._listening = False
            await self.central.release_scan()

    def _on_advertisement(self, adv: Any) -> None:
        ad = adv.data
        uuids: list[str] = []
        for t in (
            core.AdvertisingData.COMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            core.AdvertisingData.INCOMPLETE_LIST_OF_128_BIT_SERVICE_CLASS_UUIDS,
            core.AdvertisingData.COMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
            core.AdvertisingData.INCOMPLETE_LIST_OF_16_BIT_SERVICE_CLASS_UUIDS,
        ):
            for item in ad.get_all(t):
                for u in item if isinstance(item, list | tuple) else [item]:
                    s = _uuid_str(u)
                    if s not in uuids:
                        uuids.append(s)
        if not self.is_allowed_uuid(uuids):
            return
        name = ad.get(core.AdvertisingData.COMPLETE_LOCAL_NAME)
        if name is None:
            name = ad.get(core.AdvertisingData.SHORTENED_LOCAL_NAME)
        name = name if isinstance(name, str) else None
        data = AdvertisementData(
            local_name=name,
            manufacturer_data={},
            service_data={},
            service_uuids=uuids,
            tx_power=None,
            rssi=int(adv.rssi),
            platform_data=(adv,),
        )
        key = adv.address.to_string(with_type_qualifier=True)
        device = self.create_or_update_device(key, key, name, adv.address, data)
        self.call_detection_callbacks(device, data)


def _uuid_str(u: Any) -> str:
    if isinstance(u, core.UUID):
        return u.to_hex_str("-").lower() if len(u.uuid_bytes) == 16 else _uuid16_str(u)
    return str(u).lower()


def _uuid16_str(u: Any) -> str:
    v = int.from_bytes(u.uuid_bytes, "little")
    return f"0000{v:04x}-0000-1000-8000-00805f9b34fb"


class BumbleClient(BaseBleakClient):
    """bleak client backend driving a bumble GATT client (bound by :func:`make_backend`)."""

    central: BumbleCentral

    def __init__(self, address_or_ble_device: BLEDevice | str, **kwargs: Any) -> None:
        super().__init__(
            address_or_ble_device,
            disconnected_callback=kwargs.get("disconnected_callback"),
            timeout=kwargs.get("timeout", 10.0),
        )
        self._peer_address = parse_address(address_or_ble_device)
        self._connection: Any = None
        self._peer: Peer | None = None
        self._subscribers: dict[int, Callable[[bytes], None]] = {}
        self._closing = False

    @property
    def name(self) -> str:
        return str(self._peer_address)

    @property
    def mtu_size(self) -> int:
        return int(self._connection.att_mtu) if self._connection is not None else 23

    @property
    def is_connected(self) -> bool:
        return self._connection is not None

    async def connect(self, pair: bool, **kwargs: Any) -> None:
        timeout = kwargs.get("timeout", self._timeout)
        try:
            async with self.central.connect_lock:
                connection = await self.central.device.connect(
                    self._peer_address, transport=core.PhysicalTransport.LE, timeout=timeout
                )
        except BaseException as err:
            if isinstance(err, asyncio.CancelledError):
                raise
            raise _translate(err) from err
        self._connection = connection
        self._closing = False
        connection.on("disconnection", self._on_disconnection)
        try:
            peer = Peer(connection)
            await peer.request_mtu(_CLIENT_MTU)
            await peer.discover_services()
            for service in peer.services:
                await peer.discover_characteristics(service=service)
                for char in service.characteristics:
                    await peer.discover_descriptors(characteristic=char)
        except BaseException as err:
            with contextlib.suppress(Exception):
                await connection.disconnect()
            if isinstance(err, asyncio.CancelledError):
                raise
            raise _translate(err) from err
        self._peer = peer
        self.services = self._bleak_services(peer)

    def _bleak_services(self, peer: Peer) -> BleakGATTServiceCollection:
        # bleak needs services, then their characteristics, then descriptors, in that order.
        coll = BleakGATTServiceCollection()
        for s in peer.services:
            bs = BleakGATTService(s, s.handle, _uuid_str(s.uuid))
            coll.add_service(bs)
            for c in s.characteristics:
                props = [n for flag, n in _PROPERTY_NAMES.items() if c.properties & flag]
                bc = BleakGATTCharacteristic(
                    c,
                    c.handle,
                    _uuid_str(c.uuid),
                    props,  # type: ignore[arg-type]  # names of bleak's property literal
                    lambda: self.mtu_size - 3,
                    bs,
                )
                coll.add_characteristic(bc)
                for d in c.descriptors:
                    coll.add_descriptor(BleakGATTDescriptor(d, d.handle, _uuid_str(d.type), bc))
        return coll

    def _on_disconnection(self, reason: int) -> None:
        self._connection = None
        self._peer = None
        self._subscribers.clear()
        if not self._closing and self._disconnected_callback is not None:
            self._disconnected_callback()

    async def disconnect(self) -> None:
        c = self._connection
        if c is None:
            return
        self._closing = True
        try:
            await c.disconnect()
        except Exception as err:  # already gone: nothing left to close
            logger.debug("disconnect: %s", err)
        self._connection = None
        self._peer = None

    async def pair(self, *args: Any, **kwargs: Any) -> None:
        raise BleakError("pairing is not supported by the bumble test backend")

    async def unpair(self) -> None:
        raise BleakError("pairing is not supported by the bumble test backend")

    def _need_peer(self) -> Peer:
        if self._peer is None:
            raise BleakError("Not connected")
        return self._peer

    async def _call(self, coro: Any) -> Any:
        try:
            return await coro
        except (TimeoutError, core.BaseBumbleError, ATT_Error) as err:
            raise _translate(err) from err

    async def read_gatt_char(
        self, characteristic: BleakGATTCharacteristic, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._need_peer()
        return bytearray(await self._call(peer.read_value(characteristic.obj)))

    async def read_gatt_descriptor(
        self, descriptor: BleakGATTDescriptor, *, use_cached: bool = False, **kwargs: Any
    ) -> bytearray:
        peer = self._need_peer()
        return bytearray(await self._call(peer.read_value(descriptor.obj)))

    async def write_gatt_char(
        self, characteristic: BleakGATTCharacteristic, data: Any, response: bool
    ) -> None:
        peer = self._need_peer()
        await self._call(peer.write_value(characteristic.obj, bytes(data), with_response=response))

    async def write_gatt_descriptor(self, descriptor: BleakGATTDescriptor, data: Any) -> None:
        peer = self._need_peer()
        await self._call(peer.write_value(descriptor.obj, bytes(data), with_response=True))

    async def start_notify(
        self, characteristic: BleakGATTCharacteristic, callback: Callable, **kwargs: Any
    ) -> None:
        self._need_peer()
        if characteristic.handle in self._subscribers:
            raise BleakError(f"notifications already started on {characteristic.uuid}")

        def on_value(value: bytes) -> None:
            callback(bytearray(value))

        self._subscribers[characteristic.handle] = on_value
        try:
            await self._call(characteristic.obj.subscribe(on_value))
        except BaseException:
            self._subscribers.pop(characteristic.handle, None)
            raise

    async def stop_notify(self, characteristic: BleakGATTCharacteristic) -> None:
        self._need_peer()
        on_value = self._subscribers.pop(characteristic.handle, None)
        if on_value is not None:
            await self._call(characteristic.obj.unsubscribe(on_value))


def make_backend(central: BumbleCentral) -> BleBackend:
    """Scanner and client backend classes bound to ``central``.

    bleak takes backend *classes*, so the central is bound as a class attribute of fresh
    subclasses (one pair per central; several centrals can coexist).
    """
    scanner = type("BumbleScannerBound", (BumbleScanner,), {"central": central})
    client = type("BumbleClientBound", (BumbleClient,), {"central": central})
    return BleBackend(scanner=scanner, client=client)
