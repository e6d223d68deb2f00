"""msg_type_name: the enum's own name for every known number, the number as text otherwise."""

from slurmrestd.slurm.msg_types import MsgType, msg_type_name


def test_every_number_named_as_the_enum_names_it():
    for num in range(0, 70000):
        expected = MsgType(num).name if num in MsgType._value2member_map_ else str(num)
        assert msg_type_name(num) == expected


def test_members_and_odd_values():
    assert msg_type_name(MsgType.REQUEST_PING) == "REQUEST_PING"
    assert msg_type_name(1008) == "REQUEST_PING"
    assert msg_type_name(-1) == "-1"
    assert msg_type_name([1008]) == "[1008]"  # unhashable: not a message type
